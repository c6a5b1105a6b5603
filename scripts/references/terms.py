"""Ciblage's term names and order, for the reference scripts: `Intercept`, a numeric column by name,
a categorical level as `column[T.level]` (levels sorted numerically, the reference level left out)."""
import numpy as np
import pandas as pd


def design(df, numeric, categorical=None, reference=None):
    """Builds X with Ciblage's term names and order: Intercept, then features in the given order."""
    categorical = categorical or []
    cols = {"Intercept": np.ones(len(df))}
    for name in numeric + categorical:
        if name in categorical:
            levels = sorted(df[name].unique(), key=lambda v: float(v))
            ref = reference if reference is not None else levels[0]
            for lv in levels:
                if lv != ref:
                    cols[f"{name}[T.{lv}]"] = (df[name] == lv).astype(float).to_numpy()
        else:
            cols[name] = df[name].astype(float).to_numpy()
    return pd.DataFrame(cols)
