"""Data-quality validation: SHACL shapes compiled to SPARQL and run on the store, and its reports.

``shapes`` reads the shapes, ``compiler`` turns them into queries, ``engine``
runs them (pySHACL for what the compiler does not handle), ``report`` writes the
standard SHACL report (Turtle), JSON, CSV and the librarians' HTML page.
"""

from .engine import Result, Validation, validate
from .shapes import ShapesError, ShapesGraph, read_shapes

__all__ = ["Result", "ShapesError", "ShapesGraph", "Validation", "read_shapes", "validate"]
