#pragma once
// What a gating strategy sees about a set of scans (METHOD.md section 6): the experts' probabilities
// and the radiomics-derived signals, one row per scan. Validation rows carry labels for fitting and
// scoring; test rows carry labels only for the final metrics, which no strategy reads.
#include <cstddef>
#include <string>
#include <vector>

namespace ren::gating {

/// Row-major dense matrix of doubles.
struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<double> data;

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c, double value = 0.0) : rows(r), cols(c), data(r * c, value) {}
  double& operator()(std::size_t i, std::size_t j) { return data[i * cols + j]; }
  double operator()(std::size_t i, std::size_t j) const { return data[i * cols + j]; }
  const double* row(std::size_t i) const { return data.data() + i * cols; }
  double* row(std::size_t i) { return data.data() + i * cols; }
  /// The rows `indices`, in that order.
  Matrix selectRows(const std::vector<std::size_t>& indices) const;
};

struct ScanRows {
  std::vector<std::string> scanIds, patientIds;
  std::vector<int> labels;  ///< 0/1
  Matrix probs;             ///< scans x experts: each expert's P(label 1)
  Matrix abnormality;       ///< scans x experts: mean |z| of the expert's region radiomics (z by training controls)
  Matrix gateInputs;        ///< scans x d: standardised radiomics of all regions, PCA-reduced on training scans

  std::size_t size() const { return labels.size(); }
  /// The scans `indices`, in that order (every field).
  ScanRows subset(const std::vector<std::size_t>& indices) const;
};

}  // namespace ren::gating
