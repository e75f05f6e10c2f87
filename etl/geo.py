"""Check incident coordinates against the committed region boundaries.

The boundary file (etl/geodata/us_ca_admin1.geojson, built by
scripts/build_boundaries.py from Natural Earth, public domain) is simplified
to 0.02 degrees, so a point a little over a border may be a simplification
artefact: points within BORDER_TOLERANCE_DEG of the stated region are accepted.
"""
from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.config import GEO_FILE
from etl.formats.parse import Problems

BORDER_TOLERANCE_DEG = 0.05  # about 5 km


@lru_cache(maxsize=1)
def boundaries() -> gpd.GeoDataFrame:
    g = gpd.read_file(GEO_FILE)
    if g.crs is None:
        g = g.set_crs(4326)
    return g[["code", "name", "country", "geometry"]].reset_index(drop=True)


def check_points(lat: pd.Series, lon: pd.Series, region: pd.Series, names: dict[str, str],
                 problems: Problems) -> pd.Series:
    """Return the region, filled from the point where it was blank.

    A point that lies clearly outside its stated region is a problem naming
    both regions.
    """
    have = (lat.notna() & lon.notna()).to_numpy()
    if not have.any():
        return region
    idx = region.index[have]
    pts = gpd.GeoDataFrame({"stated": region[have].to_numpy()}, index=idx,
                           geometry=gpd.points_from_xy(lon[have].to_numpy(), lat[have].to_numpy()), crs=4326)
    shapes = boundaries()
    hit = gpd.sjoin(pts, shapes[["code", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    found = hit["code"].reindex(idx)
    stated = pts["stated"]
    poly_by_code = dict(zip(shapes["code"], shapes.geometry))

    # near-miss tolerance: distance from the point to the stated region's polygon
    check = stated.notna() & (found != stated)
    if check.any():
        polys = np.array([poly_by_code[c] for c in stated[check]], dtype=object)
        dist = shapely.distance(pts.geometry[check].to_numpy(), polys)
        near = pd.Series(dist <= BORDER_TOLERANCE_DEG, index=stated[check].index)
        found = found.where(~near.reindex(idx, fill_value=False), stated)

    # blank region and a point just offshore: take the nearest region within tolerance
    orphan = stated.isna() & found.isna()
    if orphan.any():
        tree_idx = shapely.STRtree(shapes.geometry.to_numpy())
        pairs = tree_idx.query_nearest(pts.geometry[orphan].to_numpy(), max_distance=BORDER_TOLERANCE_DEG)
        near_codes = pd.Series(shapes["code"].to_numpy()[pairs[1]], index=pts.index[orphan][pairs[0]])
        near_codes = near_codes[~near_codes.index.duplicated()]
        found = found.fillna(near_codes)

    where = lambda s: "(" + lat[have].round(4).astype("str") + ", " + lon[have].round(4).astype("str") + ")"  # noqa: E731
    coords = where(None)
    wrong = stated.notna() & (found != stated)
    in_other = wrong & found.notna()
    problems.add(in_other.reindex(region.index, fill_value=False),
                 ("latitude/longitude: " + coords + " lies in " + found.map(names).fillna("") + ", not in "
                  + stated.map(names).fillna("")).reindex(region.index))
    outside = wrong & found.isna()
    problems.add(outside.reindex(region.index, fill_value=False),
                 ("latitude/longitude: " + coords + " lies outside " + stated.map(names).fillna("")
                  + " and every other U.S. state and Canadian province").reindex(region.index))
    lost = stated.isna() & found.isna()
    problems.add(lost.reindex(region.index, fill_value=False),
                 ("latitude/longitude: " + coords + " is not in any U.S. state or Canadian province").reindex(region.index))
    filled = region.copy()
    fill = stated.isna() & found.notna()
    filled.loc[fill[fill].index] = found[fill]
    return filled
