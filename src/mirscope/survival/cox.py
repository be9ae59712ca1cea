"""Cox proportional-hazards and logistic models with HR/OR tables for forest plots.

As in the CART SIE study (``003_…``): univariable models (one covariate each) and one
multivariable model, interaction terms such as ``product:expansion`` with the interaction's
Wald p, and the proportional-hazards check.

* Cox: lifelines ``CoxPHFitter`` without penalty (Efron ties, as ``survival::coxph``'s
  default), Newton–Raphson run to a tight tolerance so coefficients and standard errors
  agree with R to 1e-6. Wald 95% CI: ``exp(b ± 1.959964 se)``.
* PH check: lifelines' scaled-Schoenfeld test with the KM time transform (as
  ``survival::cox.zph``'s default ``transform = "km"``; lifelines' test statistic is not
  identical to cox.zph's since survival 3.0, so it is reported as a check, not compared).
* Logistic: :func:`mirscope.stats.logistic.fit_logistic`, the package's one logistic
  fitter (maximum likelihood as R's ``glm(family = binomial)``, Firth's penalised
  likelihood with a warning when a covariate separates the outcome; a constant or
  collinear covariate is dropped with a warning and has no row); OR = exp(b), Wald 95% CI.

Covariates are coded by :func:`mirscope.stats.design.code_column`, the coding every
companion model shares: numeric columns enter as they are; text columns are dummy-coded
against their first level in sorted order (the reference), named ``column[level]``. An
interaction ``a:b`` adds the product of the (coded) columns; a text column in an
interaction must have two levels. Rows with a missing value in any used column are dropped
per model, and the table reports the ``n`` used.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mirscope.errors import InputError, MirscopeWarning
from mirscope.io import require_columns
from mirscope.stats.design import code_column
from mirscope.stats.logistic import fit_logistic
from mirscope.survival.data import time_event

Z95 = 1.959963984540054

# Columns of the model table, documented for users.
MODEL_COLUMNS = (
    "model",  # univariable / multivariable
    "term",  # covariate, column[level] for a dummy, a:b for an interaction
    "coef",  # log hazard ratio (Cox) or log odds ratio (logistic)
    "se",  # standard error of coef
    "ratio",  # HR (Cox) or OR (logistic) = exp(coef)
    "lower_95",  # Wald 95% CI of the ratio
    "upper_95",
    "p",  # Wald p of the term (for an interaction: the interaction p)
    "n",  # patients used by the model
    "events",  # events (Cox) or outcome = 1 (logistic) among them
    "ph_p",  # Cox only: proportional-hazards test p of the term (NA for logistic)
)


def design(
    df: pd.DataFrame, covariates: list[str], interactions: list[str], *, source: str
) -> pd.DataFrame:
    """Covariates coded by :func:`mirscope.stats.design.code_column`, then interactions."""
    require_columns(df, covariates, source=source)
    parts: dict[str, pd.Series] = {}
    coded: dict[str, list[str]] = {}
    for col in covariates:
        terms = code_column(df[col], col, source=source)
        parts.update(terms)
        coded[col] = list(terms)
    for term in interactions:
        a, _, b = term.partition(":")
        if not b or a not in coded or b not in coded:
            raise InputError(
                "interaction must join two listed covariates",
                path=source,
                value=term,
                allowed="a:b with a and b among the covariates",
            )
        if len(coded[a]) != 1 or len(coded[b]) != 1:
            raise InputError(
                "an interaction needs numeric or two-level covariates", path=source, value=term
            )
        parts[term] = parts[coded[a][0]] * parts[coded[b][0]]
    return pd.DataFrame(parts, index=df.index)


def _check_events(events: np.ndarray, *, source: str, what: str) -> None:
    if events.sum() == 0:
        raise InputError(
            f"no events: every patient is censored, so the {what} cannot be fitted", path=source
        )


def fit_cox(
    x: pd.DataFrame,
    times: np.ndarray,
    events: np.ndarray,
    *,
    model: str,
    source: str,
    ph_check: bool = True,
) -> pd.DataFrame:
    """One Cox model; returns rows of :data:`MODEL_COLUMNS`."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError
    from lifelines.statistics import proportional_hazard_test

    data = x.copy()
    data["_time"], data["_event"] = times, events
    data = data.dropna()
    _check_events(data["_event"].to_numpy(), source=source, what=f"{model} Cox model")
    for col in x.columns:
        if data[col].nunique() < 2:
            raise InputError(
                "covariate is constant among the patients used", path=source, column=col
            )
        levels = np.unique(data[col])
        if levels.size == 2:
            for level in levels:
                if data.loc[data[col] == level, "_event"].sum() == 0:
                    raise InputError(
                        f"no events among patients with {col} = {level:g}: the hazard ratio is "
                        f"infinite and the {model} Cox model cannot be estimated",
                        path=source,
                        column=col,
                    )
    cph = CoxPHFitter(penalizer=0.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph.fit(
                data,
                duration_col="_time",
                event_col="_event",
                fit_options={"precision": 1e-12, "max_steps": 200},
            )
    except ConvergenceError as exc:
        raise InputError(
            f"the {model} Cox model did not converge (e.g. a group without events gives an "
            f"infinite hazard ratio): {str(exc).splitlines()[0]}",
            path=source,
        ) from exc
    summ = cph.summary
    ph = pd.Series(np.nan, index=summ.index)
    if ph_check:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                test = proportional_hazard_test(cph, data, time_transform="km")
            ph = pd.Series(test.p_value, index=[str(i) for i in test.name])
        except Exception as exc:  # the check is a diagnostic; never fail the model over it
            warnings.warn(
                f"proportional-hazards check failed: {exc}", MirscopeWarning, stacklevel=2
            )
    rows = []
    for term in summ.index:
        coef, se = float(summ.loc[term, "coef"]), float(summ.loc[term, "se(coef)"])
        if not np.isfinite(se) or abs(coef) > 30:
            raise InputError(
                f"the {model} Cox model diverges for '{term}' (coef {coef:.3g}): "
                "its hazard ratio is infinite, e.g. a subgroup without events",
                path=source,
            )
        rows.append(
            _row(
                model,
                term,
                coef,
                se,
                float(summ.loc[term, "p"]),
                len(data),
                int(data["_event"].sum()),
                float(ph.get(str(term), np.nan)),
            )
        )
    return pd.DataFrame(rows, columns=list(MODEL_COLUMNS))


def _row(model, term, coef, se, p, n, events, ph_p):
    return {
        "model": model,
        "term": str(term),
        "coef": coef,
        "se": se,
        "ratio": np.exp(coef),
        "lower_95": np.exp(coef - Z95 * se),
        "upper_95": np.exp(coef + Z95 * se),
        "p": p,
        "n": n,
        "events": events,
        "ph_p": ph_p,
    }


def logistic_rows(
    x: pd.DataFrame, outcome: np.ndarray, *, model: str, source: str, name: str = "outcome"
) -> pd.DataFrame:
    """One logistic model (intercept not reported); rows of :data:`MODEL_COLUMNS`.

    Fitted by :func:`mirscope.stats.logistic.fit_logistic`, the fitter of the toxicity and
    response models, so an odds ratio means the same in both places and a separated
    covariate gets the same finite Firth estimate (with a warning) instead of a diverging
    one. ``name`` is the outcome column, for the fitter's messages.
    """
    data = x.copy()
    y_col = name if name not in data.columns else "_y"
    data[y_col] = outcome
    # Complete cases per model, silently: the table's n says how many were used.
    data = data.dropna()
    y = data[y_col].to_numpy(float)
    if y.size == 0 or y.min() == y.max():
        raise InputError(
            f"the outcome has one value only among {len(y)} patients; the "
            f"{model} logistic model needs both 0 and 1",
            path=source,
        )
    fit = fit_logistic(data, y_col, list(x.columns), source=f"{source} ({model} model)")
    coef = fit.table().set_index("term")
    rows = [
        _row(
            model,
            term,
            float(coef.at[term, "estimate"]),
            float(coef.at[term, "std_error"]),
            float(coef.at[term, "p_value"]),
            fit.n,
            fit.events,
            np.nan,
        )
        for term in fit.terms[1:]
    ]
    return pd.DataFrame(rows, columns=list(MODEL_COLUMNS))


def regression_table(
    df: pd.DataFrame,
    covariates: list[str],
    *,
    kind: str,
    time: str | None = None,
    event: str | None = None,
    outcome: str | None = None,
    interactions: tuple[str, ...] = (),
    source: str = "table",
) -> pd.DataFrame:
    """Univariable rows for each covariate, then the multivariable model (with interactions).

    ``kind`` is ``cox`` (needs ``time``/``event``) or ``logistic`` (needs a 0/1 ``outcome``).
    """
    if not covariates:
        raise InputError("no covariates given", path=source)
    if kind == "cox":
        times, events = time_event(df, time, event, source=source)
    elif kind == "logistic":
        # a missing outcome (e.g. response not evaluable) drops the patient, like a covariate
        require_columns(df, [outcome], source=source)
        y = pd.to_numeric(df[outcome], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(df[outcome].notna().to_numpy() & ~np.isin(y, (0, 1)))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                "outcome code outside the documented set",
                path=source,
                row=i + 1,
                column=outcome,
                value=df[outcome].iloc[i],
                allowed="0, 1 (empty = not evaluable, left out)",
            )
    else:
        raise InputError("unknown model kind", value=kind, allowed="cox, logistic")
    x = design(df, covariates, list(interactions), source=source)
    tables = []
    for col in covariates:
        cols = [c for c in x.columns if c == col or c.startswith(f"{col}[")]
        sub = x[cols]
        if kind == "cox":
            tables.append(
                fit_cox(sub, times, events, model="univariable", source=source, ph_check=False)
            )
        else:
            tables.append(logistic_rows(sub, y, model="univariable", source=source, name=outcome))
    if len(x.columns) > 1:
        if kind == "cox":
            tables.append(fit_cox(x, times, events, model="multivariable", source=source))
        else:
            tables.append(logistic_rows(x, y, model="multivariable", source=source, name=outcome))
    # a covariate the logistic fitter dropped (constant) leaves an empty table
    return pd.concat([t for t in tables if len(t)] or tables, ignore_index=True)
