#include "ren/gating/FoldRadiomics.h"

#include <cmath>
#include <set>

#include "PrincipalComponents.h"
#include "ren/core/Error.h"
#include "ren/core/Regions.h"

namespace ren::gating {

namespace {

struct ColumnStats {
  double mean = 0, sd = 0;
  bool usable = false;
};

/// Mean and sample SD of the finite values of column j over `rows` of `x`; usable when >= 2 finite
/// values and SD > 0.
ColumnStats columnStats(const Matrix& x, const std::vector<std::size_t>& rows, std::size_t j) {
  ColumnStats s;
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t r : rows)
    if (std::isfinite(x(r, j))) {
      sum += x(r, j);
      ++n;
    }
  if (n < 2) return s;
  s.mean = sum / static_cast<double>(n);
  double ss = 0;
  for (std::size_t r : rows)
    if (std::isfinite(x(r, j))) ss += (x(r, j) - s.mean) * (x(r, j) - s.mean);
  s.sd = std::sqrt(ss / static_cast<double>(n - 1));
  s.usable = s.sd > 1e-12 * std::max(1.0, std::abs(s.mean));
  return s;
}

}  // namespace

FoldRadiomics foldRadiomics(const radiomics::FeatureTable& table, const train::TaskData& fold, int gateDims) {
  const std::size_t F = table.featureNames.size();
  FoldRadiomics out;
  // Every scan of the table: features of the 7 regions side by side (region r at columns r*F ...).
  for (const auto& row : table.rows)
    if (!out.rowOf.count(row.scanId)) out.rowOf.emplace(row.scanId, out.rowOf.size());
  const std::size_t S = out.rowOf.size();
  Matrix all(S, kRegionCount * F, std::nan(""));
  std::vector<std::set<int>> seen(S);
  for (const auto& row : table.rows) {
    const auto region = findRegion(row.region);
    if (!region) continue;
    const std::size_t s = out.rowOf.at(row.scanId);
    seen[s].insert(region->index);
    for (std::size_t j = 0; j < F && j < row.values.size(); ++j) all(s, region->index * F + j) = row.values[j];
  }
  auto rowsOf = [&](const std::vector<train::LabelledScan>& scans, int label) {
    std::vector<std::size_t> rows;
    for (const auto& scan : scans) {
      const auto it = out.rowOf.find(scan.scanId);
      if (it == out.rowOf.end() || seen[it->second].size() != kRegionCount) {
        throw InputError("radiomics/features.csv has no rows (all 7 regions) for scan " + scan.scanId +
                         ": rerun `ren radiomics`");
      }
      if (label < 0 || scan.label == label) rows.push_back(it->second);
    }
    return rows;
  };
  rowsOf(fold.val, -1);
  rowsOf(fold.test, -1);
  const auto trainRows = rowsOf(fold.train, -1);
  const auto controlRows = rowsOf(fold.train, 0);
  if (trainRows.size() < 3 || controlRows.size() < 2) {
    throw InputError("radiomics: the fold's training scans are too few to standardise the features (" +
                     std::to_string(trainRows.size()) + " scans, " + std::to_string(controlRows.size()) + " controls)");
  }

  // magnitude_based: mean |z| per region, z by the training controls.
  out.abnormality = Matrix(S, kRegionCount, 0.0);
  for (int r = 0; r < kRegionCount; ++r) {
    std::vector<ColumnStats> stats(F);
    for (std::size_t j = 0; j < F; ++j) stats[j] = columnStats(all, controlRows, r * F + j);
    for (std::size_t s = 0; s < S; ++s) {
      double sum = 0;
      std::size_t n = 0;
      for (std::size_t j = 0; j < F; ++j) {
        const double v = all(s, r * F + j);
        if (!stats[j].usable || !std::isfinite(v)) continue;
        sum += std::abs((v - stats[j].mean) / stats[j].sd);
        ++n;
      }
      out.abnormality(s, r) = n > 0 ? sum / static_cast<double>(n) : 0.0;
    }
  }

  // radiomics_gate: standardise by all training scans, PCA on the training scans.
  std::vector<std::size_t> usable;
  std::vector<ColumnStats> colStats;
  for (std::size_t j = 0; j < all.cols; ++j) {
    const auto st = columnStats(all, trainRows, j);
    if (st.usable) {
      usable.push_back(j);
      colStats.push_back(st);
    }
  }
  Matrix standardised(S, usable.size(), 0.0);
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t c = 0; c < usable.size(); ++c) {
      const double v = all(s, usable[c]);
      standardised(s, c) = std::isfinite(v) ? (v - colStats[c].mean) / colStats[c].sd : 0.0;
    }
  const PrincipalComponents pca =
      fitPrincipalComponents(standardised.selectRows(trainRows), static_cast<std::size_t>(std::max(1, gateDims)));
  // Components beyond the rank of the training data (collinear features) carry only rounding noise:
  // they are left out rather than scaled up to unit variance.
  std::size_t kept = 0;
  while (kept < pca.components.rows && pca.variances[kept] > 1e-10 * pca.variances[0]) ++kept;
  const Matrix projected = pca.project(standardised);
  out.dims = kept;
  out.gateInputs = Matrix(S, kept);
  // Scale each component to unit variance on the training scans so the gate's L2 penalty treats them alike.
  for (std::size_t c = 0; c < kept; ++c) {
    const double sd = std::sqrt(pca.variances[c]);
    for (std::size_t s = 0; s < S; ++s) out.gateInputs(s, c) = projected(s, c) / sd;
  }
  return out;
}

}  // namespace ren::gating
