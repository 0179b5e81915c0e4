// White-box tests of the gating module's internal numerics: the L-BFGS minimiser the learned
// strategies use, and the principal components the radiomics gate reduces its inputs with.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gating/Lbfgs.h"
#include "gating/PrincipalComponents.h"
#include "ren/core/Random.h"

namespace ren::gating {
namespace {

// --- L-BFGS ---------------------------------------------------------------------------------------

TEST(Lbfgs, MinimisesAnIllConditionedQuadraticToItsKnownMinimum) {
  // f(x) = 1/2 (x - x*)^T A (x - x*) with A symmetric positive definite (condition number ~ 100).
  const std::vector<std::vector<double>> a{{10.0, 1.0, 0.0, 0.5},
                                           {1.0, 4.0, 0.3, 0.0},
                                           {0.0, 0.3, 1.0, 0.1},
                                           {0.5, 0.0, 0.1, 0.1}};
  const std::vector<double> xStar{1.5, -2.0, 0.25, 3.0};
  int evaluations = 0;
  auto f = [&](const std::vector<double>& x, std::vector<double>& grad) {
    ++evaluations;
    std::vector<double> d(4);
    for (std::size_t i = 0; i < 4; ++i) d[i] = x[i] - xStar[i];
    grad.assign(4, 0.0);
    double value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      for (std::size_t j = 0; j < 4; ++j) grad[i] += a[i][j] * d[j];
      value += 0.5 * d[i] * grad[i];
    }
    return value;
  };
  const auto result = minimiseLbfgs(f, std::vector<double>(4, 0.0));
  EXPECT_TRUE(result.converged);
  ASSERT_EQ(result.x.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(result.x[i], xStar[i], 1e-6) << "coordinate " << i;
  EXPECT_NEAR(result.value, 0.0, 1e-12);
  EXPECT_GT(result.iterations, 0);
  EXPECT_LT(result.iterations, 100);  // quasi-Newton on a 4-d quadratic: far fewer than maxIterations
  EXPECT_GT(evaluations, result.iterations);
}

TEST(Lbfgs, AlreadyAtTheMinimumStopsAtOnce) {
  auto f = [](const std::vector<double>& x, std::vector<double>& grad) {
    grad = {2.0 * (x[0] - 1.0), 2.0 * (x[1] + 1.0)};
    return (x[0] - 1.0) * (x[0] - 1.0) + (x[1] + 1.0) * (x[1] + 1.0);
  };
  const auto result = minimiseLbfgs(f, {1.0, -1.0});
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.iterations, 0);
  EXPECT_EQ(result.x, (std::vector<double>{1.0, -1.0}));
}

double rosenbrock(const std::vector<double>& x, std::vector<double>& grad) {
  // sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; minimum 0 at (1, ..., 1).
  grad.assign(x.size(), 0.0);
  double f = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double r = x[i + 1] - x[i] * x[i], s = 1.0 - x[i];
    f += 100.0 * r * r + s * s;
    grad[i] += -400.0 * x[i] * r - 2.0 * s;
    grad[i + 1] += 200.0 * r;
  }
  return f;
}

TEST(Lbfgs, FindsTheRosenbrockMinimumFromTheClassicStart) {
  const auto result = minimiseLbfgs(rosenbrock, {-1.2, 1.0}, 1000);
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.x[0], 1.0, 1e-5);
  EXPECT_NEAR(result.x[1], 1.0, 1e-5);
  EXPECT_LT(result.value, 1e-10);
}

TEST(Lbfgs, FindsTheMinimumOfTenDimensionalRosenbrock) {
  std::vector<double> x0(10);
  for (std::size_t i = 0; i < x0.size(); ++i) x0[i] = i % 2 == 0 ? -1.2 : 1.0;
  const auto result = minimiseLbfgs(rosenbrock, x0, 2000);
  EXPECT_LT(result.value, 1e-9);
  for (std::size_t i = 0; i < x0.size(); ++i) EXPECT_NEAR(result.x[i], 1.0, 1e-4) << "coordinate " << i;
}

TEST(Lbfgs, RespectsTheIterationLimit) {
  const auto result = minimiseLbfgs(rosenbrock, {-1.2, 1.0}, 3);
  EXPECT_FALSE(result.converged);
  EXPECT_EQ(result.iterations, 3);
  std::vector<double> grad;
  EXPECT_LT(result.value, rosenbrock({-1.2, 1.0}, grad));  // every accepted step decreases f
  EXPECT_GT(result.value, 1e-3);
}

// --- symmetricEigen ------------------------------------------------------------------------------

TEST(SymmetricEigen, SolvesTheKnownThreeByThreeTridiagonalMatrix) {
  // [[2,-1,0],[-1,2,-1],[0,-1,2]]: eigenvalues 2+sqrt2, 2, 2-sqrt2 with eigenvectors
  // (1,-sqrt2,1)/2, (1,0,-1)/sqrt2, (1,sqrt2,1)/2.
  Matrix a(3, 3);
  const double values3[3][3] = {{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}};
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) a(i, j) = values3[i][j];
  std::vector<double> values;
  Matrix vectors;
  symmetricEigen(a, values, vectors);
  const double r2 = std::sqrt(2.0);
  ASSERT_EQ(values.size(), 3u);
  ASSERT_EQ(vectors.rows, 3u);
  ASSERT_EQ(vectors.cols, 3u);
  EXPECT_NEAR(values[0], 2.0 + r2, 1e-12);
  EXPECT_NEAR(values[1], 2.0, 1e-12);
  EXPECT_NEAR(values[2], 2.0 - r2, 1e-12);
  // Sign convention: the largest-magnitude component is positive (the middle vector's two
  // components tie in magnitude, so only its direction is checked).
  const double first[3] = {-0.5, r2 / 2, -0.5}, last[3] = {0.5, r2 / 2, 0.5};
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(vectors(k, 0), first[k], 1e-12);
    EXPECT_NEAR(vectors(k, 2), last[k], 1e-12);
  }
  EXPECT_NEAR(std::abs(vectors(0, 1) * (1 / r2) + vectors(2, 1) * (-1 / r2)), 1.0, 1e-12);
  EXPECT_NEAR(vectors(1, 1), 0.0, 1e-12);
  // A v = lambda v for every pair.
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < 3; ++i) {
      double av = 0;
      for (std::size_t j = 0; j < 3; ++j) av += a(i, j) * vectors(j, c);
      EXPECT_NEAR(av, values[c] * vectors(i, c), 1e-12);
    }
}

TEST(SymmetricEigen, DiagonalMatrixIsSortedDescending) {
  Matrix a(3, 3);
  a(0, 0) = 1.0;
  a(1, 1) = 5.0;
  a(2, 2) = 3.0;
  std::vector<double> values;
  Matrix vectors;
  symmetricEigen(a, values, vectors);
  EXPECT_EQ(values, (std::vector<double>{5.0, 3.0, 1.0}));
  EXPECT_EQ(vectors(1, 0), 1.0);
  EXPECT_EQ(vectors(2, 1), 1.0);
  EXPECT_EQ(vectors(0, 2), 1.0);
}

// --- Principal components -------------------------------------------------------------------------

/// A random orthonormal basis of R^p (rows), by Gram-Schmidt on Gaussian vectors.
std::vector<std::vector<double>> randomBasis(std::size_t p, Rng& rng) {
  std::vector<std::vector<double>> basis;
  while (basis.size() < p) {
    std::vector<double> v(p);
    for (double& x : v) x = rng.normal();
    for (const auto& b : basis) {
      double d = 0;
      for (std::size_t j = 0; j < p; ++j) d += v[j] * b[j];
      for (std::size_t j = 0; j < p; ++j) v[j] -= d * b[j];
    }
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    for (double& x : v) x /= norm;
    basis.push_back(v);
  }
  return basis;
}

/// n samples of mean + sum_a sd_a z_a axis_a, z standard normal.
Matrix anisotropicGaussian(std::size_t n, const std::vector<std::vector<double>>& axes, const std::vector<double>& sd,
                           const std::vector<double>& mean, Rng& rng) {
  const std::size_t p = mean.size();
  Matrix x(n, p);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < p; ++j) x(i, j) = mean[j];
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const double z = sd[a] * rng.normal();
      for (std::size_t j = 0; j < p; ++j) x(i, j) += z * axes[a][j];
    }
  }
  return x;
}

Matrix sampleCovariance(const Matrix& x) {
  std::vector<double> mean(x.cols, 0.0);
  for (std::size_t i = 0; i < x.rows; ++i)
    for (std::size_t j = 0; j < x.cols; ++j) mean[j] += x(i, j) / static_cast<double>(x.rows);
  Matrix c(x.cols, x.cols);
  for (std::size_t i = 0; i < x.rows; ++i)
    for (std::size_t a = 0; a < x.cols; ++a)
      for (std::size_t b = 0; b < x.cols; ++b)
        c(a, b) += (x(i, a) - mean[a]) * (x(i, b) - mean[b]) / static_cast<double>(x.rows - 1);
  return c;
}

double dotRow(const Matrix& m, std::size_t row, const std::vector<double>& v) {
  double d = 0;
  for (std::size_t j = 0; j < v.size(); ++j) d += m(row, j) * v[j];
  return d;
}

TEST(PrincipalComponents, RecoverTheAxesOfAnAnisotropicGaussian) {
  Rng rng(20240611);
  const std::size_t p = 3;
  const auto axes = randomBasis(p, rng);
  const std::vector<double> sd{5.0, 2.0, 0.5};
  const Matrix x = anisotropicGaussian(4000, axes, sd, {10.0, -3.0, 7.0}, rng);
  const auto pc = fitPrincipalComponents(x, 3);
  ASSERT_EQ(pc.components.rows, 3u);
  ASSERT_EQ(pc.components.cols, p);
  ASSERT_EQ(pc.variances.size(), 3u);
  EXPECT_NEAR(pc.mean[0], 10.0, 0.3);
  EXPECT_NEAR(pc.mean[1], -3.0, 0.3);
  EXPECT_NEAR(pc.mean[2], 7.0, 0.3);
  for (std::size_t a = 0; a < p; ++a) {
    EXPECT_GT(std::abs(dotRow(pc.components, a, axes[a])), 0.995) << "axis " << a;
    EXPECT_NEAR(pc.variances[a] / (sd[a] * sd[a]), 1.0, 0.08) << "axis " << a;
  }
  // Orthonormal rows.
  for (std::size_t a = 0; a < p; ++a)
    for (std::size_t b = 0; b < p; ++b) {
      double d = 0;
      for (std::size_t j = 0; j < p; ++j) d += pc.components(a, j) * pc.components(b, j);
      EXPECT_NEAR(d, a == b ? 1.0 : 0.0, 1e-10);
    }
}

TEST(PrincipalComponents, MatchSymmetricEigenOfTheExplicitCovariance) {
  // 20 inputs, 4 components: the subspace iteration runs on a block narrower than the inputs.
  Rng rng(7);
  const std::size_t p = 20, dims = 4;
  const auto axes = randomBasis(p, rng);
  std::vector<double> sd(p);
  for (std::size_t a = 0; a < p; ++a) sd[a] = 20.0 / static_cast<double>(a + 1);
  const Matrix x = anisotropicGaussian(600, axes, sd, std::vector<double>(p, 1.0), rng);
  const auto pc = fitPrincipalComponents(x, dims);
  std::vector<double> values;
  Matrix vectors;
  symmetricEigen(sampleCovariance(x), values, vectors);
  ASSERT_EQ(pc.components.rows, dims);
  for (std::size_t c = 0; c < dims; ++c) {
    EXPECT_NEAR(pc.variances[c], values[c], 1e-8 * values[c]) << "component " << c;
    double d = 0;
    for (std::size_t j = 0; j < p; ++j) d += pc.components(c, j) * vectors(j, c);
    EXPECT_NEAR(d, 1.0, 1e-8) << "component " << c;  // same sign convention as symmetricEigen
  }
  // The projection of the fitted data: mean zero, variances = eigenvalues, uncorrelated.
  const Matrix z = pc.project(x);
  ASSERT_EQ(z.rows, x.rows);
  ASSERT_EQ(z.cols, dims);
  const Matrix cz = sampleCovariance(z);
  for (std::size_t a = 0; a < dims; ++a) {
    double mean = 0;
    for (std::size_t i = 0; i < z.rows; ++i) mean += z(i, a) / static_cast<double>(z.rows);
    EXPECT_NEAR(mean, 0.0, 1e-9);
    for (std::size_t b = 0; b < dims; ++b) EXPECT_NEAR(cz(a, b), a == b ? values[a] : 0.0, 1e-8 * values[0]);
  }
}

TEST(PrincipalComponents, DimsAreCappedByRowsMinusOneAndInputs) {
  Rng rng(3);
  Matrix x(4, 6);
  for (double& v : x.data) v = rng.normal();
  EXPECT_EQ(fitPrincipalComponents(x, 32).components.rows, 3u);  // rows - 1
  Matrix narrow(50, 2);
  for (double& v : narrow.data) v = rng.normal();
  EXPECT_EQ(fitPrincipalComponents(narrow, 32).components.rows, 2u);  // inputs
  EXPECT_EQ(fitPrincipalComponents(narrow, 1).components.rows, 1u);
}

TEST(PrincipalComponents, RankDeficientDataAlongALaterAxisTerminates) {
  // Variation along e1 only: the subspace iteration's second column vanishes, and its first
  // replacement (e1) lies in the span of the first column. (This used to loop forever.)
  Matrix x(3, 2);
  x(0, 1) = 0.0;
  x(1, 1) = 1.0;
  x(2, 1) = 2.0;
  const auto pc = fitPrincipalComponents(x, 2);
  ASSERT_EQ(pc.components.rows, 2u);
  EXPECT_NEAR(pc.variances[0], 1.0, 1e-12);
  EXPECT_NEAR(pc.variances[1], 0.0, 1e-12);
  EXPECT_NEAR(pc.components(0, 0), 0.0, 1e-12);
  EXPECT_NEAR(pc.components(0, 1), 1.0, 1e-12);
  // Four inputs, two of them duplicates of the first and one exactly constant.
  Matrix y(6, 4);
  for (std::size_t i = 0; i < 6; ++i) {
    y(i, 0) = y(i, 1) = static_cast<double>(i * i % 5);
    y(i, 2) = 3.0;
    y(i, 3) = static_cast<double>(i % 2);
  }
  const auto py = fitPrincipalComponents(y, 4);
  ASSERT_EQ(py.components.rows, 4u);
  EXPECT_NEAR(py.variances[2], 0.0, 1e-10);
  EXPECT_NEAR(py.variances[3], 0.0, 1e-10);
  EXPECT_GT(py.variances[1], 0.1);
}

}  // namespace
}  // namespace ren::gating
