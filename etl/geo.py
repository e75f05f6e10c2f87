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
    x, y = lon[have].to_numpy(dtype="float64"), lat[have].to_numpy(dtype="float64")
    stated = pd.Series(region[have].to_numpy(), index=idx, dtype="object")
    shapes = boundaries()
    poly_by_code = dict(zip(shapes["code"], shapes.geometry))
    found = pd.Series(None, index=idx, dtype="object")
    # the common case: the point is inside the region the row names (one prepared polygon per region)
    for code, positions in stated.groupby(stated.fillna(""), sort=False).indices.items():
        if code in poly_by_code:
            poly = poly_by_code[code]
            shapely.prepare(poly)
            inside = shapely.contains_xy(poly, x[positions], y[positions])
            found.iloc[positions[inside]] = code
    # everything else: which region, if any, holds the point
    rest = found.isna().to_numpy()
    if rest.any():
        pts = gpd.GeoDataFrame(index=idx[rest], geometry=gpd.points_from_xy(x[rest], y[rest]), crs=4326)
        hit = gpd.sjoin(pts, shapes[["code", "geometry"]], how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        found.loc[idx[rest]] = hit["code"].reindex(idx[rest]).to_numpy()
    # near-miss tolerance: distance from the point to the stated region's polygon
    check = (stated.notna() & (found != stated)).to_numpy()
    if check.any():
        polys = np.array([poly_by_code[c] for c in stated[check]], dtype=object)
        dist = shapely.distance(shapely.points(x[check], y[check]), polys)
        near = np.zeros(len(idx), dtype=bool)
        near[np.flatnonzero(check)[dist <= BORDER_TOLERANCE_DEG]] = True
        found[near] = stated[near]

    # blank region and a point just offshore: take the nearest region within tolerance
    orphan = (stated.isna() & found.isna()).to_numpy()
    if orphan.any():
        tree = shapely.STRtree(shapes.geometry.to_numpy())
        pairs = tree.query_nearest(shapely.points(x[orphan], y[orphan]), max_distance=BORDER_TOLERANCE_DEG)
        near_codes = pd.Series(shapes["code"].to_numpy()[pairs[1]], index=idx[orphan][pairs[0]])
        near_codes = near_codes[~near_codes.index.duplicated()]
        found = found.fillna(near_codes)

    def coords(rows: pd.Index) -> pd.Series:
        return "(" + lat[rows].round(4).astype("str") + ", " + lon[rows].round(4).astype("str") + ")"

    def full(mask: pd.Series) -> np.ndarray:
        return mask.reindex(region.index, fill_value=False).to_numpy(dtype=bool)

    wrong = stated.notna() & (found != stated)
    problems.add(full(wrong & found.notna()), lambda rows: "latitude/longitude: " + coords(rows) + " lies in "
                 + found[rows].map(names).fillna("") + ", not in " + stated[rows].map(names).fillna(""))
    problems.add(full(wrong & found.isna()), lambda rows: "latitude/longitude: " + coords(rows) + " lies outside "
                 + stated[rows].map(names).fillna("") + " and every other U.S. state and Canadian province")
    problems.add(full(stated.isna() & found.isna()),
                 lambda rows: "latitude/longitude: " + coords(rows) + " is not in any U.S. state or Canadian province")
    filled = region.copy()
    fill = stated.isna() & found.notna()
    filled.loc[fill[fill].index] = found[fill]
    return filled
