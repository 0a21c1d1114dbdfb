"""patrimoine-kg: the knowledge graph core (IRIs, CIDOC-CRM building blocks, periods, geography, the store).

It imports neither :mod:`loaders` nor :mod:`endpoint`; the composition layer :mod:`patrimoine` does."""

__version__ = "0.1.0"
