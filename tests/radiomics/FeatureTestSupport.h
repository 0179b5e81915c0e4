#pragma once
// What the per-class radiomics tests share: a class and its feature indices by name, image/label
// volumes and the Case (ROI + grey levels + settings) cut out of them, random and padded volumes,
// pieces of the brute-force references (ROI voxel and neighbourhood walks, the statistics of a
// (level, run/zone/dependence) matrix), axis permutations with flips, and the comparisons against a
// reference vector, the IBSI phantom and the PyRadiomics baselines (the golden data itself is read
// by AnchorData.h).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ren/io/Volume.h"
#include "ren/radiomics/FeatureClass.h"
#include "ren/radiomics/GreyLevels.h"
#include "ren/radiomics/RadiomicsSettings.h"
#include "ren/radiomics/Roi.h"

namespace ren::radiomics::testing {

/// numpy.spacing(1): the epsilon inside PyRadiomics' log2 of the texture entropies.
constexpr double kNumpyEps = 2.220446049250313e-16;

// ---- classes and features ------------------------------------------------------------------------

/// The registered feature class `cls` ("glcm", ...).
const FeatureClass& featureClass(const std::string& cls);
/// Index of `feature` in the class's output; throws when the class has no such feature.
std::size_t featureIndex(const std::string& cls, const std::string& feature);

// ---- volumes -------------------------------------------------------------------------------------

io::Volume<float> imageOf(std::int64_t nx, std::int64_t ny, std::int64_t nz, float fill = 0);
io::Volume<std::uint8_t> labelsOf(std::int64_t nx, std::int64_t ny, std::int64_t nz, std::uint8_t fill = 0);

/// An image and its label map (label 1 is the ROI) on one grid.
struct Volumes {
  io::Volume<float> image;
  io::Volume<std::uint8_t> labels;
};
/// Image 0 and no label on a grid of `size` voxels of `spacing` mm.
Volumes volumesOf(const std::array<std::int64_t, 3>& size, const std::array<double, 3>& spacing = {1, 1, 1});
/// The given voxels (x fastest) on a grid of `size` voxels of `spacing` mm.
Volumes volumesOf(const std::array<std::int64_t, 3>& size, const std::array<double, 3>& spacing,
                  std::vector<float> values, std::vector<std::uint8_t> labels);
/// `in` inside a larger grid with `margin` voxels of `fill` on both sides of each axis.
template <class T>
io::Volume<T> padded(const io::Volume<T>& in, const std::array<std::int64_t, 3>& margin, T fill) {
  const auto& n = in.geometry.size;
  io::VolumeGeometry g = in.geometry;
  for (int a = 0; a < 3; ++a) g.size[a] = n[a] + 2 * margin[a];
  io::Volume<T> out(g, fill);
  for (std::int64_t k = 0; k < n[2]; ++k)
    for (std::int64_t j = 0; j < n[1]; ++j)
      for (std::int64_t i = 0; i < n[0]; ++i) out.at(i + margin[0], j + margin[1], k + margin[2]) = in.at(i, j, k);
  return out;
}
/// Image and labels padded together: image `imageFill` and no label in the margin.
Volumes padded(const Volumes& v, const std::array<std::int64_t, 3>& margin, float imageFill);

/// Values uniform in [0, levels), each voxel labelled with probability `keep`, voxel (0, 0, 0) always
/// (the ROI touches the image border). Draws from `rng` in a fixed order.
Volumes randomVolumes(std::mt19937& rng, std::int64_t nx, std::int64_t ny, std::int64_t nz, int levels, double keep);
/// check(trial, volumes) for trials 0..trials-1 of randomVolumes with sides in [1, maxSide], levels in
/// [1, maxLevels] and keep in [minKeep, 1], all drawn from `rng`.
void forEachRandomRoi(std::mt19937& rng, int trials, int maxSide, int maxLevels, double minKeep,
                      const std::function<void(int, const Volumes&)>& check);
/// A blob touching the x = 0 border, with a hole (3 x 3 voxels of the middle slice) and ~5 % of its
/// voxels dropped; values in [0, levels) but never 1 (grey level 2 absent with bin width 1), each
/// value copied from the previous voxel along axis a with probability copy[a] (runs, diagonal
/// co-occurrences). Deterministic in `seed`.
Volumes randomBlob(std::uint32_t seed, const std::array<std::int64_t, 3>& n, const std::array<double, 3>& spacing,
                   int levels, const std::array<double, 3>& copy);

/// The 5 x 5 one-slice image of PyRadiomics' texture docstrings (glszm.py, gldm.py): values 1..5
/// (levels 1..5 with bin width 1), every voxel in the ROI.
Volumes pyRadiomicsDocstringImage();

// ---- cases ---------------------------------------------------------------------------------------

/// What a class computes on.
struct Case {
  Roi roi;
  GreyLevels grey;
  RadiomicsSettings settings;
};
/// The ROI of label 1, cropped and discretised with `settings`.
Case makeCase(const io::Volume<float>& image, const io::Volume<std::uint8_t>& labels, const RadiomicsSettings& settings);
Case makeCase(const Volumes& v, const RadiomicsSettings& settings);
/// An already cropped ROI (IBSI phantom, PyRadiomics baselines), discretised with `settings`.
Case makeCase(Roi roi, const RadiomicsSettings& settings);

/// Bin width 1 (every integer value its own level), no minimum ROI dimension, `norm`.
RadiomicsSettings unitBins(WeightingNorm norm = WeightingNorm::None);

std::vector<double> computeClass(const std::string& cls, const Case& c);
std::vector<double> computeClass(const std::string& cls, const Volumes& v, const RadiomicsSettings& settings);
std::vector<double> computeClass(const std::string& cls, const Roi& roi, const RadiomicsSettings& settings);

// ---- brute-force references ---------------------------------------------------------------------

/// f(i, j, k, level) for every ROI voxel of the case's box (box coordinates, level > 0).
template <class F>
void forEachRoiVoxel(const Case& c, F&& f) {
  const Roi& roi = c.roi;
  for (std::int64_t k = 0; k < roi.size[2]; ++k)
    for (std::int64_t j = 0; j < roi.size[1]; ++j)
      for (std::int64_t i = 0; i < roi.size[0]; ++i)
        if (const int level = c.grey.level[roi.index(i, j, k)]) f(i, j, k, level);
}

/// f(level) for every ROI voxel at a Chebyshev distance in c.settings.distances from box voxel
/// (i, j, k): the neighbourhood of GLDM and NGTDM, every offset tested with explicit bounds checks.
template <class F>
void forEachNeighbourLevel(const Case& c, std::int64_t i, std::int64_t j, std::int64_t k, F&& f) {
  const Roi& roi = c.roi;
  const auto& distances = c.settings.distances;
  int maxD = 0;
  for (int d : distances) maxD = std::max(maxD, d);
  for (int dz = -maxD; dz <= maxD; ++dz)
    for (int dy = -maxD; dy <= maxD; ++dy)
      for (int dx = -maxD; dx <= maxD; ++dx) {
        const int norm = std::max({std::abs(dx), std::abs(dy), std::abs(dz)});
        if (std::find(distances.begin(), distances.end(), norm) == distances.end()) continue;
        const std::int64_t x = i + dx, y = j + dy, z = k + dz;
        if (x < 0 || y < 0 || z < 0 || x >= roi.size[0] || y >= roi.size[1] || z >= roi.size[2]) continue;
        if (const int level = c.grey.level[roi.index(x, y, z)]) f(level);
      }
}

/// (grey level i, column value j) -> count: runs of length j (GLRLM), zones of size j (GLSZM),
/// voxels with j - 1 dependent neighbours (GLDM).
using LevelColumnCounts = std::map<std::pair<int, long long>, double>;

/// What the GLRLM, GLSZM and GLDM features make of such a matrix P, written as PyRadiomics' numpy
/// expressions (N = sum of P, p_i / p_j its row / column sums; eps = numpy.spacing(1) in the entropy).
struct MatrixStatistics {
  double total;                          ///< N
  double smallEmphasis, largeEmphasis;   ///< sum_j p_j / j^2 / N, sum_j p_j j^2 / N
  double greyNonUniformity;              ///< sum_i p_i^2 / N
  double greyNonUniformityNormalized;    ///< sum_i p_i^2 / N^2
  double columnNonUniformity;            ///< sum_j p_j^2 / N
  double columnNonUniformityNormalized;  ///< sum_j p_j^2 / N^2
  double greyVariance, columnVariance;   ///< of i, of j, weighted by p / N
  double entropy;                        ///< -sum P / N log2(P / N + eps)
  double lowGreyEmphasis, highGreyEmphasis;  ///< sum_i p_i / i^2 / N, sum_i p_i i^2 / N
  double smallLowGrey, smallHighGrey;        ///< sum P / (i^2 j^2) / N, sum P i^2 / j^2 / N
  double largeLowGrey, largeHighGrey;        ///< sum P j^2 / i^2 / N, sum P i^2 j^2 / N
};
MatrixStatistics matrixStatistics(const LevelColumnCounts& P);

// ---- flips and axis permutations -----------------------------------------------------------------

/// New axis a = old axis perm[a], reversed where flip[a] (spacing follows the axes).
struct Move {
  std::array<int, 3> perm;
  std::array<bool, 3> flip;
};
std::string describe(const Move& move);
/// Each permutation of `perms` with each of the 8 flip combinations.
std::vector<Move> withEveryFlip(const std::vector<std::array<int, 3>>& perms);
/// Four moves: flip x; flip y and z; swap x and y; the cyclic permutation (z, x, y) with x and z flipped.
std::vector<Move> fourMoves();

template <class T>
io::Volume<T> transformed(const io::Volume<T>& in, const Move& move) {
  const auto& g = in.geometry;
  io::VolumeGeometry out = g;
  for (int a = 0; a < 3; ++a) out.size[a] = g.size[move.perm[a]], out.spacing[a] = g.spacing[move.perm[a]];
  io::Volume<T> result(out);
  for (std::int64_t k = 0; k < g.size[2]; ++k)
    for (std::int64_t j = 0; j < g.size[1]; ++j)
      for (std::int64_t i = 0; i < g.size[0]; ++i) {
        const std::array<std::int64_t, 3> src{i, j, k};
        std::array<std::int64_t, 3> dst{};
        for (int a = 0; a < 3; ++a) dst[a] = move.flip[a] ? out.size[a] - 1 - src[move.perm[a]] : src[move.perm[a]];
        result.at(dst[0], dst[1], dst[2]) = in.at(i, j, k);
      }
  return result;
}
/// Image and labels moved together.
Volumes transformed(const Volumes& v, const Move& move);

/// check(moved volumes, describe(move)) for every move.
void forEachFlipAndPermutation(const Volumes& v, const std::vector<Move>& moves,
                               const std::function<void(const Volumes&, const std::string&)>& check);
/// Every feature of `cls` on each moved copy of `v` equals the unmoved one (expectClose, `rel`).
void expectInvariant(const std::string& cls, const Volumes& v, const RadiomicsSettings& settings,
                     const std::vector<Move>& moves, double rel, const std::string& what = "");

// ---- comparisons ---------------------------------------------------------------------------------

/// |values[f] - reference[f]| <= rel * max(1, |reference[f]|) for every feature f of `cls`.
void expectClose(const std::string& cls, const std::vector<double>& values, const std::vector<double>& reference,
                 double rel, const std::string& what);

/// The ROI of `v` touching the image border (its box padding lies outside the image) gives the
/// features of the same volumes padded by `margin` voxels of `imageFill` (expectClose, `rel`; 0: equal).
void expectBorderEqualsInside(const std::string& cls, const Volumes& v, const RadiomicsSettings& settings,
                              const std::array<std::int64_t, 3>& margin, float imageFill, double rel);

/// IBSI phantom: each (feature, IBSI code) of `codes` within anchors::ibsiReferenceToThreeDigits.
void expectIbsiPhantom(const std::string& cls, const std::vector<double>& values,
                       const std::vector<std::pair<std::string, std::string>>& codes, const std::string& aggregation);
/// The same on the features of `cls` computed on the phantom with `settings`.
void expectIbsiPhantom(const std::string& cls, const RadiomicsSettings& settings,
                       const std::vector<std::pair<std::string, std::string>>& codes, const std::string& aggregation);

/// The baseline columns of a texture class whose case images are in tests/data: brain1 and breast1
/// (binWidth 25), _FBN (binCount 64), _flatRegion (binWidth 5000 with resegmentRange [0, inf): one
/// grey level, PyRadiomics' own values for a flat ROI; brain1's ROI has 2 components) and, with
/// `combined` (GLCM, GLRLM), _combined.
std::vector<std::string> textureBaselineColumns(bool combined = false);

/// PyRadiomics' criterion on one column of baseline_<cls>.csv ("brain1", "breast1_FBN", ...), under
/// the column's settings: every feature has a reference and lies within 3 % of it, and within
/// `maxRelDiff` (anchors::relativeDifference: exact where the reference is 0). Prints the largest
/// difference.
void expectBaselineColumn(const std::string& cls, const std::string& column, double maxRelDiff = 0.03);

}  // namespace ren::radiomics::testing
