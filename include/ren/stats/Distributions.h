#pragma once
// Distribution functions the statistical tests need (normal, Student t, chi-square, binomial), in
// double precision to ~1e-14 relative (no external library).
#include <cstdint>

namespace ren::stats {

/// P(Z <= z) for the standard normal.
double normalCdf(double z);
/// The z with normalCdf(z) = p, 0 < p < 1 (InputError otherwise).
double normalQuantile(double p);
/// P(T <= t) for Student's t with `df` > 0 degrees of freedom (df may be fractional).
double studentTCdf(double t, double df);
/// P(X > x) for chi-square with `df` > 0 degrees of freedom.
double chiSquareSurvival(double x, double df);
/// P(X >= k) for X ~ Binomial(n, p) (exact sum).
double binomialUpperTail(std::int64_t k, std::int64_t n, double p);

}  // namespace ren::stats
