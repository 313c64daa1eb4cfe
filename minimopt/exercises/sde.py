"""Checkers for the exercises of chapter 2, *SGD is a stochastic differential equation*.

Answers are read and compared by the rules of :mod:`minimopt.exercises._checking`: one coercion rule, and one
tolerance, ``|x − y| ≤ 1e-6·|y| + 1e-12`` entry by entry (truth values exactly), in every chapter.

Each ``check_<name>(student_function, *, seed=None)`` calls the student's function on fixed and seeded random
cases and returns ``"pass"`` or a message. The catalogued mistakes, each recognised with its own message:

``check_stationary_variance`` (variance of p ∝ exp(−2L/σ²) for L = h x²/2, i.e. σ²/(2h))
    the factor 2 in the exponent (σ²/h, from exp(−L/σ²)); σ instead of σ²; the precision 2h/σ² instead of the
    variance; forgetting the curvature (σ²/2).
``check_sgd_stationary_variance`` (exact variance η s²/(h(2 − ηh)) of SGD with gradient noise s)
    forgetting the 2 − ηh (the SDE's ηs²/(2h)); (1 − ηh) instead of (1 − ηh)² (ηs²/h); an extra η; a lost η;
    s instead of s²; 2 + ηh instead of 2 − ηh.
``check_batch_for_temperature`` (the batch size that keeps η/B when η changes: B η'/η)
    B instead of 1/B (B η/η'); the square-root rule (B (η'/η)², which keeps η/√B); the batch left unchanged.
``check_escape_time_ratio`` (Arrhenius: T(σ₂)/T(σ₁) = exp(2ΔL(1/σ₂² − 1/σ₁²)))
    the factor 2 in the exponent (exp(ΔL(…))); the ratio upside down; σ instead of σ².

>>> from minimopt.exercises import check_stationary_variance
>>> check_stationary_variance(lambda h, sigma: sigma**2 / (2 * h))
'pass'
>>> check_stationary_variance(lambda h, sigma: sigma**2 / h)[:39]
'this is the variance of exp(-L/sigma^2)'
"""

import math

from minimopt.exercises import _checking

__all__ = ["check_stationary_variance", "check_sgd_stationary_variance", "check_batch_for_temperature",
           "check_escape_time_ratio"]


# ---------------------------------------------------------------------------------------------------------
# The stationary variance of the Langevin equation on a quadratic
# ---------------------------------------------------------------------------------------------------------
def _reference_stationary_variance(h, sigma):
    return sigma**2 / (2 * h)


_STATIONARY_MISTAKES = (
    (lambda h, sigma: sigma**2 / h,
     "this is the variance of exp(-L/sigma^2), which is stationary for noise sigma*sqrt(2), not sigma: the "
     "factor 2 in the exponent. For dX = -L'(X) dt + sigma dW the stationary density is exp(-2L/sigma^2), "
     "here exp(-h x^2/sigma^2), a Gaussian of variance sigma^2/(2h)."),
    (lambda h, sigma: sigma / (2 * h),
     "sigma/(2h): sigma is the noise amplitude, its square sigma^2 is the variance per unit time; the answer "
     "has sigma^2."),
    (lambda h, sigma: 2 * h / sigma**2,
     "2h/sigma^2 is the precision (1/variance) of exp(-h x^2/sigma^2): invert it."),
    (lambda h, sigma: sigma**2 / 2,
     "sigma^2/2 is the temperature T; the variance of exp(-L/T) with L = h x^2/2 is T/h."),
    (lambda h, sigma: sigma**2 / (4 * h),
     "sigma^2/(4h): the density exp(-2L/sigma^2) is exp(-h x^2/sigma^2); compare it with exp(-x^2/(2 var))."),
)


def _draw_stationary(rng):
    return rng.uniform(0.2, 5.0), rng.uniform(0.1, 2.0)


@_checking.returns_student_errors
def check_stationary_variance(student_function, *, seed=None):
    """Check ``stationary_variance(h, sigma)``: the stationary variance of the Ornstein–Uhlenbeck process.

    The process is the Langevin equation on ``L = h x²/2`` with noise amplitude ``sigma``; the answer is the
    variance of its stationary density.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = [(1.0, 1.0), (2.0, 0.5), (0.5, 1.5), *_checking.random_cases(_draw_stationary, seed)]
    return _checking.check_function(student_function, "stationary_variance", cases,
                                    _reference_stationary_variance, _STATIONARY_MISTAKES, signature="h, sigma")


# ---------------------------------------------------------------------------------------------------------
# The exact stationary variance of discrete SGD
# ---------------------------------------------------------------------------------------------------------
def _reference_sgd_variance(lr, h, s):
    return lr * s**2 / (h * (2 - lr * h))


_SGD_MISTAKES = (
    (lambda lr, h, s: lr * s**2 / (2 * h),
     "lr*s^2/(2h) is the stationary variance of the SDE dθ = -hθ dt + s*sqrt(lr) dW, not of the discrete "
     "recursion: you forgot the 2 - lr*h. From v = (1 - lr*h)^2 v + lr^2 s^2 it is lr*s^2/(h(2 - lr*h)), "
     "larger by 2/(2 - lr*h), which grows without bound as lr*h -> 2."),
    (lambda lr, h, s: lr * s**2 / h,
     "lr*s^2/h: the variance is multiplied by (1 - lr*h)^2 per step, not by 1 - lr*h (Var(aθ) = a^2 Var θ)."),
    (lambda lr, h, s: lr**2 * s**2 / (h * (2 - lr * h)),
     "one factor lr too many: 1 - (1 - lr*h)^2 = lr*h(2 - lr*h) cancels one lr of lr^2 s^2."),
    (lambda lr, h, s: s**2 / (h * (2 - lr * h)),
     "one factor lr too few: the noise enters the step as lr*s*xi, variance lr^2 s^2, and "
     "1 - (1 - lr*h)^2 = lr*h(2 - lr*h) cancels only one lr."),
    (lambda lr, h, s: lr * s / (h * (2 - lr * h)),
     "s instead of s^2: s is the standard deviation of the gradient noise, the variance of the step has s^2."),
    (lambda lr, h, s: lr * s**2 / (h * (2 + lr * h)),
     "2 + lr*h instead of 2 - lr*h: 1 - (1 - lr*h)^2 = 2 lr*h - (lr*h)^2 = lr*h(2 - lr*h)."),
)


def _draw_sgd(rng):
    h = rng.uniform(0.2, 5.0)
    return rng.uniform(0.05, 1.9) / h, h, rng.uniform(0.1, 3.0)


@_checking.returns_student_errors
def check_sgd_stationary_variance(student_function, *, seed=None):
    """Check ``sgd_variance(lr, h, s)``: the exact stationary variance of SGD on a quadratic with gradient noise.

    SGD with learning rate ``lr`` on the quadratic of curvature ``h``, whose gradients carry independent Gaussian
    noise of standard deviation ``s``: the variance of its iterates once stationary.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = [(0.1, 1.0, 1.0), (0.5, 2.0, 0.5), (0.3, 6.0, 2.0), *_checking.random_cases(_draw_sgd, seed)]
    return _checking.check_function(student_function, "sgd_variance", cases, _reference_sgd_variance,
                                    _SGD_MISTAKES, signature="lr, h, s")


# ---------------------------------------------------------------------------------------------------------
# Learning rate and batch size as a temperature
# ---------------------------------------------------------------------------------------------------------
def _reference_batch(lr, batch_size, new_lr):
    return batch_size * new_lr / lr


_BATCH_MISTAKES = (
    (lambda lr, batch_size, new_lr: batch_size * lr / new_lr,
     "B*lr/new_lr keeps lr*B, as if the noise grew with the batch: B instead of 1/B. The minibatch gradient's "
     "covariance is Sigma/B, so the temperature lr*Sigma/(2B) depends on lr/B; keeping it needs "
     "B' = B*new_lr/lr (a larger learning rate needs a larger batch)."),
    (lambda lr, batch_size, new_lr: batch_size * (new_lr / lr) ** 2,
     "B*(new_lr/lr)^2 is the square-root rule (lr proportional to sqrt(B)): it keeps lr/sqrt(B), the standard "
     "deviation of one step's noise, not the temperature lr/B of the SDE."),
    (lambda lr, batch_size, new_lr: batch_size,
     "the batch size is unchanged: with the same B, a new learning rate changes the temperature lr*Sigma/(2B)."),
    (lambda lr, batch_size, new_lr: batch_size * math.sqrt(new_lr / lr),
     "B*sqrt(new_lr/lr) keeps lr/B^2, not lr/B: the covariance of the minibatch gradient is Sigma/B."),
)


def _draw_batch(rng):
    lr = rng.uniform(0.01, 0.5)
    return lr, int(rng.integers(2, 257)), lr * float(rng.choice([0.25, 0.5, 2.0, 3.0, 4.0]))


@_checking.returns_student_errors
def check_batch_for_temperature(student_function, *, seed=None):
    """Check ``batch_for_temperature(lr, batch_size, new_lr)``: the batch size that keeps SGD's temperature.

    A run uses the learning rate ``lr`` with the batch size ``batch_size``; the answer is the batch size with which
    the learning rate ``new_lr`` gives the same temperature.

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = [(0.1, 32, 0.2), (0.1, 64, 0.05), (0.02, 8, 0.1), *_checking.random_cases(_draw_batch, seed)]
    return _checking.check_function(student_function, "batch_for_temperature", cases, _reference_batch,
                                    _BATCH_MISTAKES, signature="lr, batch_size, new_lr")


# ---------------------------------------------------------------------------------------------------------
# The Arrhenius law
# ---------------------------------------------------------------------------------------------------------
def _reference_escape_ratio(barrier, sigma1, sigma2):
    return math.exp(2 * barrier * (1 / sigma2**2 - 1 / sigma1**2))


_ESCAPE_MISTAKES = (
    (lambda barrier, s1, s2: math.exp(barrier * (1 / s2**2 - 1 / s1**2)),
     "exp(dL (1/sigma2^2 - 1/sigma1^2)) misses the factor 2 in the exponent: the temperature of "
     "dX = -L' dt + sigma dW is sigma^2/2, so the Arrhenius factor is exp(dL/T) = exp(2 dL/sigma^2)."),
    (lambda barrier, s1, s2: math.exp(2 * barrier * (1 / s1**2 - 1 / s2**2)),
     "the ratio is upside down: this is T(sigma1)/T(sigma2) (or the parameters of your def line are in the "
     "order (barrier, sigma2, sigma1)); less noise (smaller sigma) means a longer escape time."),
    (lambda barrier, s1, s2: math.exp(2 * barrier * (1 / s2 - 1 / s1)),
     "1/sigma instead of 1/sigma^2 in the exponent: the Arrhenius factor is exp(2 dL/sigma^2)."),
    (lambda barrier, s1, s2: math.exp(barrier * (1 / s2 - 1 / s1)),
     "exp(dL (1/sigma2 - 1/sigma1)): both the factor 2 and the square of sigma are missing; the factor is "
     "exp(2 dL/sigma^2)."),
)


def _draw_escape(rng):
    return rng.uniform(0.1, 1.0), rng.uniform(0.5, 1.2), rng.uniform(0.5, 1.2)


@_checking.returns_student_errors
def check_escape_time_ratio(student_function, *, seed=None):
    """Check ``escape_time_ratio(barrier, sigma1, sigma2)``: the ratio of two mean escape times, by the Arrhenius law.

    The ratio T(σ₂)/T(σ₁) of the mean escape times over a barrier of height ``barrier`` at two small noise levels
    (the prefactor is the same at both).

    Returns
    -------
    str
        ``"pass"``, or a message that explains the mistake.
    """
    cases = [(0.25, 0.7, 0.5), (0.5, 1.0, 0.8), (1.0, 0.9, 1.1), *_checking.random_cases(_draw_escape, seed)]
    return _checking.check_function(student_function, "escape_time_ratio", cases, _reference_escape_ratio,
                                    _ESCAPE_MISTAKES, signature="barrier, sigma1, sigma2")


EXERCISES = (
    _checking.Exercise(label="ex-sde-1", function="stationary_variance", signature="h, sigma",
                       checker=check_stationary_variance, solution=_reference_stationary_variance),
    _checking.Exercise(label="ex-sde-2", function="sgd_variance", signature="lr, h, s",
                       checker=check_sgd_stationary_variance, solution=_reference_sgd_variance),
    _checking.Exercise(label="ex-sde-3", function="batch_for_temperature", signature="lr, batch_size, new_lr",
                       checker=check_batch_for_temperature, solution=_reference_batch),
    _checking.Exercise(label="ex-sde-4", function="escape_time_ratio", signature="barrier, sigma1, sigma2",
                       checker=check_escape_time_ratio, solution=_reference_escape_ratio),
)
