"""Reconciliation against the graph (the W3C Reconciliation Service API's logic, without HTTP).

:mod:`.schema` the types and properties offered (data: ``graph/data/reconciliation.json``);
:mod:`.keys` how names are compared; :mod:`.index` the in-memory index built from the store;
:mod:`.reference` the reference places (communes, départements... of France, places abroad);
:mod:`.match` reading queries, ranking candidates, deciding matches, suggestions;
:mod:`.describe` a candidate in a few words; :mod:`.extension` data extension.
The HTTP face is ``endpoint/reconcile.py``.
"""
