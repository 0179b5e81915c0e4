#pragma once
// Principal components of a data matrix by orthogonal (subspace) iteration on the covariance with a
// final Rayleigh-Ritz step (Jacobi on the small projected matrix). Deterministic. Used by the
// radiomics gate to reduce the standardised radiomics features to <= 32 dimensions, fitted on
// training scans only. Internal to ren_gating.
#include <cstddef>
#include <vector>

#include "ren/gating/ScanRows.h"

namespace ren::gating {

struct PrincipalComponents {
  std::vector<double> mean;        ///< per input column
  Matrix components;               ///< dims x inputs, orthonormal rows, by decreasing variance
  std::vector<double> variances;   ///< eigenvalues (sample covariance, ddof 1)
  /// rows x dims projection of `x` (rows x inputs).
  Matrix project(const Matrix& x) const;
};

/// The leading `dims` components of `x` (rows x inputs); dims is capped at min(rows - 1, inputs).
PrincipalComponents fitPrincipalComponents(const Matrix& x, std::size_t dims);

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi: eigenvalues descending and the
/// matching eigenvectors as the columns of `vectors`.
void symmetricEigen(const Matrix& a, std::vector<double>& values, Matrix& vectors);

}  // namespace ren::gating
