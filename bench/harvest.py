"""Harvest benchmark: an OAI-PMH repository on 127.0.0.1 serving N oai_dc records, harvested into an on-disk store.

    python bench/harvest.py [--records 20000] [--page 500]

The repository is the tests' (tests/oai_server.py); its records are the real
Meuse sample's, cloned under new identifiers. Prints the records per second of
the whole harvest, the time of the first and last pages (a page must not cost
more as the graph grows: records are replaced by their IRIs, not by scanning
the graph), and an incremental run that deletes and updates 1% of the records.
Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from lxml import etree  # noqa: E402

from patrimoine.harvest import HarvestOptions, harvest  # noqa: E402
from graph.store import KnowledgeGraph  # noqa: E402
from oai_server import OAI_DC, OAI_NS, OaiServer, deleted, retitled, sample_records  # noqa: E402


def clones(n: int) -> list[etree._Element]:
    base = sample_records(OAI_DC / "francearchives-oai_dc_meuse_sample.xml")
    out = []
    for i in range(n):
        record = etree.fromstring(etree.tostring(base[i % len(base)]))
        ident = record.find(f".//{{{OAI_NS}}}identifier")
        ident.text = f"{ident.text.strip()}-{i}"
        out.append(record)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    records = clones(args.records)
    pages = [records[i:i + args.page] for i in range(0, len(records), args.page)]
    page_times: list[float] = []
    apply = KnowledgeGraph.replace_records

    def timed(self, *a, **kw):
        t = time.perf_counter()
        apply(self, *a, **kw)
        page_times.append(time.perf_counter() - t)

    KnowledgeGraph.replace_records = timed
    with tempfile.TemporaryDirectory() as tmp, OaiServer(pages) as server:
        kg = KnowledgeGraph(Path(tmp) / "store")
        options = HarvestOptions(server.url, region=None, progress=False, backoff=0.0)
        t = time.perf_counter()
        report = harvest(kg, options)
        seconds = time.perf_counter() - t
        writes = page_times[:-1]  # the last call rewrites the catalogue only
        print(f"full harvest: {report.counts.records_loaded:,} records in {len(pages)} pages, {report.triples:,} triples, "
              f"{seconds:.1f} s ({report.counts.records_read / seconds:,.0f} records/s)")
        print(f"  store write per page: first {writes[0] * 1000:.0f} ms, last {writes[-1] * 1000:.0f} ms, "
              f"median {sorted(writes)[len(writes) // 2] * 1000:.0f} ms")
        step = max(1, len(records) // 100)
        changed = [deleted(r, "2024-06-01T00:00:00Z") if i % 2 else retitled(r, "titre révisé")
                   for i, r in enumerate(records[::step])]
        server.lists["incremental"] = [changed[i:i + args.page] for i in range(0, len(changed), args.page)]
        server.response_date = "2024-06-02T00:00:00Z"
        page_times.clear()
        t = time.perf_counter()
        again = harvest(kg, options)
        seconds = time.perf_counter() - t
        print(f"incremental harvest: {again.counts.records_read:,} records ({again.deleted:,} deleted) in "
              f"{seconds:.2f} s; {again.triples:,} triples left")
        kg.close()


if __name__ == "__main__":
    main()
