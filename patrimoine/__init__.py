"""patrimoine-kg's composition layer: the load pipeline, harvesting, fetching, linking runs and the CLI.

It puts together the core (:mod:`graph`), the source formats (:mod:`loaders`)
and the HTTP face (:mod:`endpoint`); none of those imports it.
"""
