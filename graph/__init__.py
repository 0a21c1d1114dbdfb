"""patrimoine-kg: the knowledge graph core (IRIs, CIDOC-CRM building blocks, store, pipeline, CLI)."""

__version__ = "0.1.0"
