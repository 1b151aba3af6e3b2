"""The chance a referral completes, learned from the network's closed referrals.

Once enough referrals have closed, a logistic regression on eight features of the
child, the provider and the pair estimates the chance that a referral ends
``completed``; its probability, calibrated, becomes one more ranking component in
``matching.options`` and its coefficients are the reasons shown. Below the threshold
the component is off, because a model fitted on a handful of referrals would rank by
noise.

Method (all from scikit-learn, https://scikit-learn.org/stable/modules/):

* ``StandardScaler`` + ``LogisticRegression`` (L2, C=1) on 60% of the referrals;
  standardized coefficients are comparable, so the largest |coefficient * value| is
  the feature that pushes a given estimate most.
* Platt scaling on a held-out 20% (Platt, "Probabilistic outputs for support vector
  machines", 1999, §2.2): a one-feature logistic regression on the decision values,
  with Platt's smoothed targets. This is what
  ``CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid")`` fits
  (sklearn/calibration.py, ``_sigmoid_calibration``); the tests check the two agree.
* AUC (``roc_auc_score``) of the calibrated probabilities on the last 20%, never seen
  by the fit or the calibration (Hastie, Tibshirani & Friedman, *The Elements of
  Statistical Learning*, 2nd ed., §7.2: a three-way split when there is data enough).

The fitted model is stored as plain numbers in ``CompletionModel`` (no pickle), and
applied here with numpy, so ranking never imports scikit-learn.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import RISK_BANDS
from matching.models import CompletionModel, Referral, ReferralStatus
from matching.responsiveness import (
    ACCEPTED_STATUSES,
    PRIOR_ACCEPTANCE,
    PRIOR_COMPLETION,
    PRIOR_WEIGHT,
)

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Same names and units as the ``features`` dict matching.options builds for a
# candidate; the order is the column order of X and of the stored arrays.
FEATURES: tuple[str, ...] = (
    "distance_km",
    "free_slots",
    "acceptance",
    "completion",
    "needs_covered",
    "continuity",
    "risk_band",
    "age",
)
FEATURE_LABELS: dict[str, Promise] = {
    "distance_km": _("distance"),
    "free_slots": _("free slots"),
    "acceptance": _("provider's acceptance rate"),
    "completion": _("provider's completion rate"),
    "needs_covered": _("needs covered"),
    "continuity": _("provider already works with the child"),
    "risk_band": _("risk level"),
    "age": _("child's age"),
}

# Referrals whose outcome is known. Drafts never reached a provider, and the active
# states have not ended yet: neither says anything about completing.
TRAINING_STATUSES: tuple[str, ...] = (
    ReferralStatus.COMPLETED,
    ReferralStatus.NO_SHOW,
    ReferralStatus.REJECTED,
    ReferralStatus.EXPIRED,
    ReferralStatus.WITHDRAWN,
)
# Statuses in which an earlier referral means the provider already works with the
# child: the same set matching.options uses for its continuity component.
CONTINUING_STATUSES: tuple[str, ...] = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.WAITING,
    ReferralStatus.IN_SERVICE,
    ReferralStatus.COMPLETED,
)
DEFAULT_MIN_REFERRALS = 200
# Below this many referrals of either class, a stratified 20% test split holds one or
# two of them and the AUC means nothing.
MIN_PER_CLASS = 10
TEST_SHARE = 0.2
CALIBRATION_SHARE = 0.2

# One row per closed referral that was sent, all features in one query. Each
# provider statistic only counts what was known when the referral was sent, or the
# model would learn from the future (the referral's own outcome included).
# ``free_slots`` is the exception: capacity is not versioned, so today's capacity of
# the site stands in for the capacity then. Needs are not versioned either: all the
# case's recorded needs stand in for the needs open at the time.
TRAINING_SQL = """
SELECT
    loc.distance_m / 1000.0,
    (loc.capacity > 0)::int,
    (rates.accepted + %(prior_weight)s * %(prior_acceptance)s)
        / (rates.answered + %(prior_weight)s),
    (rates.completed + %(prior_weight)s * %(prior_completion)s)
        / (rates.finished + %(prior_weight)s),
    COALESCE(needs.covered::float / NULLIF(needs.total, 0), 0.0),
    EXISTS (
        SELECT 1
        FROM matching_referral p
        JOIN directory_service ps ON ps.id = p.service_id
        WHERE p.case_id = r.case_id
          AND p.id <> r.id
          AND ps.organization_id = s.organization_id
          AND p.status = ANY(%(continuing)s)
          AND p.sent_at < r.sent_at
          -- accepted before this one was sent, as options.py sees it at send time
          AND p.responded_at < r.sent_at
    )::int,
    COALESCE(array_position(%(bands)s::text[], c.risk_level::text) - 1, 0),
    date_part('year', age((r.sent_at AT TIME ZONE %(tz)s)::date, c.birth_date)),
    (r.status = %(completed)s)::int
FROM matching_referral r
JOIN matching_case c ON c.id = r.case_id
JOIN directory_service s ON s.id = r.service_id
-- The referral's own site, or, if it was not recorded (or since removed), the
-- service's nearest site to the child's home; a service with no site is skipped.
CROSS JOIN LATERAL (
    SELECT sas.capacity, ST_Distance(c.home, site.point) AS distance_m
    FROM directory_serviceatsite sas
    JOIN directory_site site ON site.id = sas.site_id
    WHERE sas.service_id = r.service_id
    ORDER BY sas.id IS DISTINCT FROM r.service_at_site_id, ST_Distance(c.home, site.point)
    LIMIT 1
) loc
-- The rates matching.responsiveness.service_responsiveness computes, but as of sent_at:
-- acceptance once answered, completion once closed.
CROSS JOIN LATERAL (
    SELECT
        count(*) AS answered,
        count(*) FILTER (WHERE o.status = ANY(%(accepted)s)) AS accepted,
        count(*) FILTER (
            WHERE o.closed_at < r.sent_at AND o.status = %(completed)s
        ) AS completed,
        count(*) FILTER (
            WHERE o.closed_at < r.sent_at AND o.status = ANY(%(finished)s)
        ) AS finished
    FROM matching_referral o
    WHERE o.service_id = r.service_id AND o.responded_at < r.sent_at
) rates
CROSS JOIN LATERAL (
    SELECT
        count(*) AS total,
        count(*) FILTER (WHERE t.code = ANY(s.category_codes)) AS covered
    FROM matching_caseneed n
    JOIN directory_taxonomyterm t ON t.id = n.term_id
    WHERE n.case_id = r.case_id
) needs
WHERE r.sent_at IS NOT NULL
  AND r.status = ANY(%(training)s)
  AND (%(before)s::timestamptz IS NULL OR r.sent_at < %(before)s::timestamptz)
ORDER BY r.sent_at, r.id
"""


def completion_min_referrals() -> int:
    return int(getattr(settings, "MATCHING_COMPLETION_MIN_REFERRALS", DEFAULT_MIN_REFERRALS))


def completion_closed_referrals_count() -> int:
    """Closed referrals that were sent: what the threshold is compared with."""
    return Referral.objects.filter(sent_at__isnull=False, status__in=TRAINING_STATUSES).count()


def completion_training_rows(*, before: datetime | None = None) -> tuple[FloatArray, IntArray]:
    """X (one row per closed, sent referral; columns in ``FEATURES`` order) and y.

    y is 1 for ``completed`` and 0 for every other ending (no-show, rejected, expired,
    withdrawn): the question asked is "will this referral end with the child served?".
    ``before`` keeps only referrals sent before it, to train as of a past date.
    """
    params: dict[str, Any] = {
        "prior_weight": PRIOR_WEIGHT,
        "prior_acceptance": PRIOR_ACCEPTANCE,
        "prior_completion": PRIOR_COMPLETION,
        "continuing": [str(s) for s in CONTINUING_STATUSES],
        "accepted": [str(s) for s in ACCEPTED_STATUSES],
        "finished": [str(ReferralStatus.COMPLETED), str(ReferralStatus.NO_SHOW)],
        "completed": str(ReferralStatus.COMPLETED),
        "training": [str(s) for s in TRAINING_STATUSES],
        "bands": [str(b) for b in RISK_BANDS],
        # The age a caseworker would have computed that day, in the network's time zone.
        "tz": timezone.get_default_timezone_name(),
        "before": before,
    }
    with connection.cursor() as cursor:
        cursor.execute(TRAINING_SQL, params)
        rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, len(FEATURES)), dtype=np.float64), np.zeros(0, dtype=np.int64)
    data = np.asarray(rows, dtype=np.float64)
    return data[:, : len(FEATURES)], data[:, len(FEATURES)].astype(np.int64)


@dataclass(frozen=True)
class CompletionSplit:
    """Row indices of the three disjoint parts of the data."""

    train: IntArray
    calibration: IntArray
    test: IntArray


def completion_split(*, y: IntArray, seed: int = 0) -> CompletionSplit:
    """60% train / 20% calibration / 20% test, each with the data's share of completions."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    rest, test = train_test_split(index, test_size=TEST_SHARE, stratify=y, random_state=seed)
    train, calibration = train_test_split(
        rest,
        # 20% of the whole is a quarter of the remaining 80%.
        test_size=CALIBRATION_SHARE / (1 - TEST_SHARE),
        stratify=y[rest],
        random_state=seed,
    )
    return CompletionSplit(train=train, calibration=calibration, test=test)


def platt_fit(*, scores: FloatArray, y: IntArray) -> tuple[float, float, Any]:
    """Platt's sigmoid p = 1 / (1 + exp(a*score + b)), fitted by maximum likelihood.

    Platt (1999, §2.2) fits against smoothed targets, (N₊ + 1)/(N₊ + 2) for positives
    and 1/(N₋ + 2) for negatives, so a small calibration set cannot push the sigmoid
    to 0 or 1; scikit-learn's ``_sigmoid_calibration`` does the same. A logistic
    regression takes soft targets as each row twice, labelled 1 with weight t and 0
    with weight 1 - t: the weighted log-loss is then exactly the cross-entropy against
    t. ``C=inf``: unpenalized, as in Platt. sklearn's model is
    p = 1 / (1 + exp(-(w*score + c))), hence a = -w and b = -c.

    Returns (a, b, the fitted sklearn estimator).
    """
    from sklearn.linear_model import LogisticRegression

    positives = float(np.sum(y == 1))
    negatives = float(len(y) - positives)
    target = np.where(y == 1, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))
    column = scores.reshape(-1, 1)
    calibrator = LogisticRegression(C=np.inf, max_iter=1000)
    calibrator.fit(
        np.vstack([column, column]),
        np.concatenate([np.ones(len(y)), np.zeros(len(y))]),
        sample_weight=np.concatenate([target, 1.0 - target]),
    )
    return -float(calibrator.coef_[0, 0]), -float(calibrator.intercept_[0]), calibrator


@dataclass(frozen=True)
class CompletionFit:
    """A fitted model's numbers, with the sklearn estimators they came from."""

    means: FloatArray
    scales: FloatArray
    coefficients: FloatArray
    intercept: float
    platt_a: float
    platt_b: float
    split: CompletionSplit
    auc: float | None
    scaler: Any
    classifier: Any
    calibrator: Any


def completion_fit(*, X: FloatArray, y: IntArray, seed: int = 0) -> CompletionFit:
    """Scale, fit, calibrate and test on X, y (no database); see the module docstring."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    split = completion_split(y=y, seed=seed)
    # StandardScaler leaves a constant column's scale at 1, so none is ever divided by 0.
    scaler = StandardScaler().fit(X[split.train])
    classifier = LogisticRegression(max_iter=1000)
    classifier.fit(scaler.transform(X[split.train]), y[split.train])
    calibration_scores = classifier.decision_function(scaler.transform(X[split.calibration]))
    platt_a, platt_b, calibrator = platt_fit(scores=calibration_scores, y=y[split.calibration])
    means = np.asarray(scaler.mean_, dtype=np.float64)
    scales = np.asarray(scaler.scale_, dtype=np.float64)
    coefficients = np.asarray(classifier.coef_[0], dtype=np.float64)
    intercept = float(classifier.intercept_[0])
    test_p = calibrated_probabilities(
        X=X[split.test],
        means=means,
        scales=scales,
        coefficients=coefficients,
        intercept=intercept,
        platt_a=platt_a,
        platt_b=platt_b,
    )
    y_test = y[split.test]
    auc = float(roc_auc_score(y_test, test_p)) if len(set(y_test.tolist())) == 2 else None
    return CompletionFit(
        means=means,
        scales=scales,
        coefficients=coefficients,
        intercept=intercept,
        platt_a=platt_a,
        platt_b=platt_b,
        split=split,
        auc=auc,
        scaler=scaler,
        classifier=classifier,
        calibrator=calibrator,
    )


def calibrated_probabilities(
    *,
    X: FloatArray,
    means: FloatArray,
    scales: FloatArray,
    coefficients: FloatArray,
    intercept: float,
    platt_a: float,
    platt_b: float,
) -> FloatArray:
    """The stored numbers applied to rows of X: standardize, score, Platt sigmoid."""
    scores = ((X - means) / scales) @ coefficients + intercept
    # 1/(1+e^t) written as e^(-logaddexp(0, t)): no overflow warning for large |t|.
    return np.asarray(np.exp(-np.logaddexp(0.0, platt_a * scores + platt_b)), dtype=np.float64)


def completion_model_from_fit(*, fit: CompletionFit) -> CompletionModel:
    """An unsaved ``CompletionModel`` holding the fit's numbers."""
    return CompletionModel(
        features=list(FEATURES),
        means=[float(v) for v in fit.means],
        scales=[float(v) for v in fit.scales],
        coefficients=[float(v) for v in fit.coefficients],
        intercept=fit.intercept,
        platt_a=fit.platt_a,
        platt_b=fit.platt_b,
        # Everything the model's numbers were fitted on: the model and its calibration.
        training_size=len(fit.split.train) + len(fit.split.calibration),
        test_size=len(fit.split.test),
        auc=fit.auc,
    )


def completion_model_train(
    *, min_referrals: int | None = None, seed: int = 0
) -> CompletionModel | None:
    """Fit on every closed referral and make the result the active model.

    Returns None, changing nothing, while fewer than ``min_referrals`` (default: the
    ``MATCHING_COMPLETION_MIN_REFERRALS`` setting) closed referrals exist, or fewer
    than ``MIN_PER_CLASS`` completed or not completed; an earlier active model, if
    any, then stays active.
    """
    threshold = completion_min_referrals() if min_referrals is None else min_referrals
    # The cheap count first: below the threshold the feature query is not worth running.
    if completion_closed_referrals_count() < threshold:
        return None
    X, y = completion_training_rows()
    completed = int(y.sum())
    if len(y) < threshold or min(completed, len(y) - completed) < MIN_PER_CLASS:
        return None
    fit = completion_fit(X=X, y=y, seed=seed)
    model = completion_model_from_fit(fit=fit)
    model.is_active = True
    with transaction.atomic():
        # Two trainings at once (a beat run and a manual one) must not leave two
        # active rows: the lock serializes them until commit.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('matching.completion_model'))")
        CompletionModel.objects.filter(is_active=True).update(is_active=False)
        model.save()
    logger.info(
        "completion model %s trained on %s referrals (%s tested), AUC %s",
        model.pk,
        model.training_size,
        model.test_size,
        model.auc,
    )
    return model


def completion_model_active() -> CompletionModel | None:
    """The model ranking uses, or None while the component is off.

    One query per ``referral_options`` call; the table has a row per training run
    (weekly), so it needs no index.
    """
    return (
        CompletionModel.objects.filter(is_active=True)
        .only(
            "id",
            "created",
            "features",
            "means",
            "scales",
            "coefficients",
            "intercept",
            "platt_a",
            "platt_b",
        )
        .order_by("-created")
        .first()
    )


def completion_probability(
    *, model: CompletionModel, features: Mapping[str, float]
) -> tuple[float, str]:
    """(probability, sentence) for one candidate; the sentence names the two features
    that move this estimate most (|coefficient * standardized value|).

    A feature missing from ``features`` is taken at its training mean, so it moves
    nothing: a model trained with a feature the caller does not know yet still works.
    """
    means = np.asarray(model.means, dtype=np.float64)
    scales = np.asarray(model.scales, dtype=np.float64)
    coefficients = np.asarray(model.coefficients, dtype=np.float64)
    x = np.asarray(
        [float(features.get(name, mean)) for name, mean in zip(model.features, means, strict=True)],
        dtype=np.float64,
    )
    probability = float(
        calibrated_probabilities(
            X=x.reshape(1, -1),
            means=means,
            scales=scales,
            coefficients=coefficients,
            intercept=model.intercept,
            platt_a=model.platt_a,
            platt_b=model.platt_b,
        )[0]
    )
    pushes = np.abs(coefficients * (x - means) / scales)
    # Stable order so equal pushes always name the same features.
    order = np.argsort(-pushes, kind="stable")
    names = [str(FEATURE_LABELS.get(model.features[i], model.features[i])) for i in order[:2]]
    percent = round(100 * probability)
    if len(names) < 2:
        return probability, gettext("Estimated chance of completing: %(percent)s%%.") % {
            "percent": percent
        }
    return probability, gettext(
        "Estimated chance of completing: %(percent)s%% (mostly: %(first)s, %(second)s)."
    ) % {"percent": percent, "first": names[0], "second": names[1]}


def completion_model_report() -> dict[str, Any]:
    """What the report page shows: whether the component is on, and how good it is."""
    threshold = completion_min_referrals()
    available = completion_closed_referrals_count()
    model = CompletionModel.objects.filter(is_active=True).order_by("-created").first()
    described: dict[str, Any] | None = None
    if model is not None:
        terms = sorted(
            zip(model.features, model.coefficients, model.scales, strict=True),
            key=lambda t: -abs(t[1]),
        )
        described = {
            "id": model.pk,
            "created": model.created,
            "auc": model.auc,
            "training_size": model.training_size,
            "test_size": model.test_size,
            "coefficients": [
                {
                    "feature": name,
                    "label": str(FEATURE_LABELS.get(name, name)),
                    # Per standard deviation of the feature: comparable across features.
                    "coefficient": coefficient,
                    # Odds multiplied per standard deviation, and that deviation in the
                    # feature's own units, so the page can say "per 2.1 km".
                    "odds_ratio": math.exp(coefficient),
                    "standard_deviation": scale,
                }
                for name, coefficient, scale in terms
            ],
        }
    return {
        "on": model is not None,
        "threshold": threshold,
        "closed_referrals": available,
        "enough_referrals": available >= threshold,
        "model": described,
    }
