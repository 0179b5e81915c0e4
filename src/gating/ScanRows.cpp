#include "ren/gating/ScanRows.h"

#include <algorithm>

namespace ren::gating {

Matrix Matrix::selectRows(const std::vector<std::size_t>& indices) const {
  Matrix out(indices.size(), cols);
  for (std::size_t i = 0; i < indices.size(); ++i) std::copy(row(indices[i]), row(indices[i]) + cols, out.row(i));
  return out;
}

ScanRows ScanRows::subset(const std::vector<std::size_t>& indices) const {
  ScanRows out;
  for (std::size_t i : indices) {
    out.scanIds.push_back(i < scanIds.size() ? scanIds[i] : std::string());
    out.patientIds.push_back(i < patientIds.size() ? patientIds[i] : std::string());
    out.labels.push_back(labels[i]);
  }
  out.probs = probs.selectRows(indices);
  if (abnormality.rows == size()) out.abnormality = abnormality.selectRows(indices);
  if (gateInputs.rows == size()) out.gateInputs = gateInputs.selectRows(indices);
  return out;
}

}  // namespace ren::gating
