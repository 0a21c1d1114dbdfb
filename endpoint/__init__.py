"""The HTTP face of the graph: SPARQL protocol (read-only). Reads the store; never parses source files."""
