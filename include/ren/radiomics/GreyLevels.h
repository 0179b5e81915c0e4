#pragma once
// Discretisation of the ROI intensities into grey levels, shared by firstorder Entropy/Uniformity and
// every texture class (computed once per ROI).
//
// binWidth W (PyRadiomics imageoperations.getBinEdges): edges lo + n*W with lo = floor(min/W)*W (min
// over the ROI), half-open bins [e_n, e_n+1): level(x) = floor((x - lo) / W) + 1, so the lowest ROI
// value is level 1. binCount N: edges = linspace(min, max, N+1) with the last edge raised by 1,
// level = number of edges <= x (1..N). A flat ROI (min == max) has one level, 1.
#include <cstdint>
#include <vector>

#include "ren/radiomics/Roi.h"

namespace ren::radiomics {

struct GreyLevels {
  std::vector<std::uint16_t> level;    ///< box-sized (Roi::size): 0 outside kInRoi, else 1..binCount
  int binCount = 0;                    ///< highest level (levels may be absent in between)
  std::vector<int> present;            ///< the levels present in the ROI, ascending
  std::vector<std::int64_t> histogram; ///< voxels per level, index 0..binCount (index 0 unused)
  double lowEdge = 0.0;                ///< intensity of the lower edge of level 1
  double binWidth = 0.0;               ///< width of one bin in intensity units
};

/// Discretises the kInRoi voxels of `roi`. More than 65535 levels throws InputError (a bin width far
/// too small for the intensity range), naming the setting. Empty ROI: binCount 0.
GreyLevels discretise(const Roi& roi, const RadiomicsSettings& settings);

}  // namespace ren::radiomics
