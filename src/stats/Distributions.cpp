#include "ren/stats/Distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ren/core/Error.h"

namespace ren::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
constexpr double kTiny = 1e-300;  // guards the modified Lentz recurrences against division by zero
constexpr int kMaxIterations = 100000;

/// Standard normal density.
double normalDensity(double z) {
  constexpr double kInvSqrt2Pi = 0.398942280401432677939946059934;  // 1 / sqrt(2 pi)
  return kInvSqrt2Pi * std::exp(-0.5 * z * z);
}

/// Horner evaluation of c[0] + c[1] r + ... + c[7] r^7.
double polynomial8(const double (&c)[8], double r) {
  double v = c[7];
  for (int i = 6; i >= 0; --i) v = v * r + c[i];
  return v;
}

/// Wichura's AS 241 (PPND16) rational approximations, ~1e-16 relative, for 0 < p <= 0.5.
double lowerHalfQuantileAs241(double p) {
  // Central region |p - 0.5| <= 0.425.
  static constexpr double kA[8] = {3.3871328727963666080e+00, 1.3314166789178437745e+02, 1.9715909503065514427e+03,
                                   1.3731693765509461125e+04, 4.5921953931549871457e+04, 6.7265770927008700853e+04,
                                   3.3430575583588128105e+04, 2.5090809287301226727e+03};
  static constexpr double kB[8] = {1.0,
                                   4.2313330701600911252e+01, 6.8718700749205790830e+02, 5.3941960214247511077e+03,
                                   2.1213794301586595867e+04, 3.9307895800092710610e+04, 2.8729085735721942674e+04,
                                   5.2264952788528545610e+03};
  // Intermediate tail, sqrt(-log p) <= 5.
  static constexpr double kC[8] = {1.42343711074968357734e+00, 4.63033784615654529590e+00, 5.76949722146069140550e+00,
                                   3.64784832476320460504e+00, 1.27045825245236838258e+00, 2.41780725177450611770e-01,
                                   2.27238449892691845833e-02, 7.74545014278341407640e-04};
  static constexpr double kD[8] = {1.0,
                                   2.05319162663775882187e+00, 1.67638483018380384940e+00, 6.89767334985100004550e-01,
                                   1.48103976427480074590e-01, 1.51986665636164571966e-02, 5.47593808499534494600e-04,
                                   1.05075007164441684324e-09};
  // Far tail.
  static constexpr double kE[8] = {6.65790464350110377720e+00, 5.46378491116411436990e+00, 1.78482653991729133580e+00,
                                   2.96560571828504891230e-01, 2.65321895265761230930e-02, 1.24266094738807843860e-03,
                                   2.71155556874348757815e-05, 2.01033439929228813265e-07};
  static constexpr double kF[8] = {1.0,
                                   5.99832206555887937690e-01, 1.36929880922735805310e-01, 1.48753612908506148525e-02,
                                   7.86869131145613259100e-04, 1.84631831751005468180e-05, 1.42151175831644588870e-07,
                                   2.04426310338993978564e-15};
  const double q = p - 0.5;
  if (std::abs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * polynomial8(kA, r) / polynomial8(kB, r);
  }
  double r = std::sqrt(-std::log(p));
  double z;
  if (r <= 5.0) {
    r -= 1.6;
    z = polynomial8(kC, r) / polynomial8(kD, r);
  } else {
    r -= 5.0;
    z = polynomial8(kE, r) / polynomial8(kF, r);
  }
  return -z;
}

/// Continued fraction of the regularized incomplete beta function (modified Lentz), converging
/// fast for x < (a + 1) / (a + b + 2).
double betaContinuedFraction(double a, double b, double x) {
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::abs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));  // even step
    d = 1.0 + aa * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));  // odd step
    d = 1.0 + aa * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1.0) <= kEpsilon) break;
  }
  return h;
}

/// lgamma(x) minus its Stirling approximation (x - 1/2) log x - x + log(2 pi) / 2, for x >= 10, by
/// the asymptotic series sum B_2k / (2k (2k - 1) x^(2k - 1)) (error below 1e-17 there).
double stirlingCorrection(double x) {
  static constexpr double kCoefficients[] = {1.0 / 12.0,       -1.0 / 360.0,  1.0 / 1260.0,
                                             -1.0 / 1680.0,    1.0 / 1188.0,  -691.0 / 360360.0,
                                             1.0 / 156.0,      -3617.0 / 122400.0};
  const double inverseSquare = 1.0 / (x * x);
  double sum = 0, power = 1.0 / x;
  for (double c : kCoefficients) {
    sum += c * power;
    power *= inverseSquare;
  }
  return sum;
}

/// log B(a, b) without the cancellation of lgamma(a) + lgamma(b) - lgamma(a + b) when a or b is
/// large (Student t with many degrees of freedom): the large arguments' Stirling terms are combined
/// analytically.
double logBeta(double a, double b) {
  constexpr double kHalfLog2Pi = 0.918938533204672741780329736406;
  const double p = std::min(a, b), q = std::max(a, b);
  const double ratio = p / (p + q);
  if (p >= 10.0) {
    const double correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return -0.5 * std::log(q) + kHalfLog2Pi + correction + (p - 0.5) * std::log(ratio) + q * std::log1p(-ratio);
  }
  if (q >= 10.0) {
    const double correction = stirlingCorrection(q) - stirlingCorrection(p + q);
    return std::lgamma(p) + correction + p - p * std::log(p + q) + (q - 0.5) * std::log1p(-ratio);
  }
  return std::lgamma(p) + std::lgamma(q) - std::lgamma(p + q);
}

/// Regularized incomplete beta I_x(a, b) with y = 1 - x passed separately (and log x, log y) so
/// that neither loses precision when x is close to 0 or 1.
double regularizedBeta(double a, double b, double x, double y, double logX, double logY) {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double logFront = a * logX + b * logY - logBeta(a, b);
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(logFront) * betaContinuedFraction(a, b, x) / a;
  return 1.0 - std::exp(logFront) * betaContinuedFraction(b, a, y) / b;
}

/// Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a), x > 0.
double regularizedUpperGamma(double a, double x) {
  const double logFront = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    // Series for the lower function P(a, x); Q = 1 - P is not small here.
    double term = 1.0 / a, sum = term;
    for (int n = 1; n <= kMaxIterations; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) <= std::abs(sum) * kEpsilon) break;
    }
    return 1.0 - sum * std::exp(logFront);
  }
  // Continued fraction for Q (modified Lentz).
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i <= kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1.0) <= kEpsilon) break;
  }
  return std::exp(logFront) * h;
}

/// log of the Binomial(n, p) probability of exactly k successes, 0 < p < 1.
double binomialLogPmf(std::int64_t k, std::int64_t n, double p) {
  const auto kd = static_cast<double>(k), nd = static_cast<double>(n);
  return std::lgamma(nd + 1.0) - std::lgamma(kd + 1.0) - std::lgamma(nd - kd + 1.0) + kd * std::log(p) +
         (nd - kd) * std::log1p(-p);
}

}  // namespace

double normalCdf(double z) {
  if (std::isnan(z)) return kNaN;
  constexpr double kInvSqrt2 = 0.707106781186547524400844362105;
  return 0.5 * std::erfc(-z * kInvSqrt2);
}

double normalQuantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    throw InputError("normalQuantile: probability " + std::to_string(p) + " is not in the open interval (0, 1)");
  }
  // Work in the lower half, where p itself is exact (1 - p is exact for p >= 0.5), then reflect.
  const bool upper = p > 0.5;
  const double tail = upper ? 1.0 - p : p;
  double z = lowerHalfQuantileAs241(tail);
  // One Newton step on normalCdf(z) = tail polishes the last bits (skipped where the tail and the
  // density would be subnormal and the step meaningless).
  if (tail > 1e-300) z -= (normalCdf(z) - tail) / normalDensity(z);
  return upper ? -z : z;
}

double studentTCdf(double t, double df) {
  if (!(df > 0.0)) throw InputError("studentTCdf: degrees of freedom " + std::to_string(df) + " must be > 0");
  if (std::isnan(t)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  if (std::isinf(df)) return normalCdf(t);
  // P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t^2).
  const double t2 = t * t;
  const double x = df / (df + t2), y = t2 / (df + t2);
  const double logX = -std::log1p(t2 / df), logY = std::log(y);
  const double twoSidedTail = regularizedBeta(0.5 * df, 0.5, x, y, logX, logY);
  const double lowerTail = 0.5 * twoSidedTail;  // P(T < -|t|)
  return t < 0 ? lowerTail : 1.0 - lowerTail;
}

double chiSquareSurvival(double x, double df) {
  if (!(df > 0.0)) throw InputError("chiSquareSurvival: degrees of freedom " + std::to_string(df) + " must be > 0");
  if (std::isnan(x)) return kNaN;
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  return regularizedUpperGamma(0.5 * df, 0.5 * x);
}

double binomialUpperTail(std::int64_t k, std::int64_t n, double p) {
  if (n < 0) throw InputError("binomialUpperTail: number of trials " + std::to_string(n) + " is negative");
  if (!(p >= 0.0 && p <= 1.0)) {
    throw InputError("binomialUpperTail: probability " + std::to_string(p) + " is not in [0, 1]");
  }
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  if (p == 0.0) return 0.0;
  if (p == 1.0) return 1.0;
  // Sum the shorter side so the result keeps its relative precision in the upper tail.
  if (static_cast<double>(k) > static_cast<double>(n) * p) {
    double sum = 0;
    for (std::int64_t i = n; i >= k; --i) sum += std::exp(binomialLogPmf(i, n, p));
    return std::min(1.0, sum);
  }
  double below = 0;
  for (std::int64_t i = 0; i < k; ++i) below += std::exp(binomialLogPmf(i, n, p));
  return std::max(0.0, 1.0 - below);
}

}  // namespace ren::stats
