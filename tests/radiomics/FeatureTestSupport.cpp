#include "radiomics/FeatureTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "radiomics/AnchorData.h"

namespace ren::radiomics::testing {

const FeatureClass& featureClass(const std::string& cls) { return FeatureClassRegistry::instance().get(cls); }

std::size_t featureIndex(const std::string& cls, const std::string& feature) {
  const auto& names = featureClass(cls).featureNames;
  const auto it = std::find(names.begin(), names.end(), feature);
  if (it == names.end()) throw std::runtime_error("no " + cls + " feature " + feature);
  return static_cast<std::size_t>(it - names.begin());
}

io::Volume<float> imageOf(std::int64_t nx, std::int64_t ny, std::int64_t nz, float fill) {
  io::VolumeGeometry g;
  g.size = {nx, ny, nz};
  return io::Volume<float>(g, fill);
}

io::Volume<std::uint8_t> labelsOf(std::int64_t nx, std::int64_t ny, std::int64_t nz, std::uint8_t fill) {
  io::VolumeGeometry g;
  g.size = {nx, ny, nz};
  return io::Volume<std::uint8_t>(g, fill);
}

Volumes volumesOf(const std::array<std::int64_t, 3>& size, const std::array<double, 3>& spacing) {
  io::VolumeGeometry g;
  g.size = size;
  g.spacing = spacing;
  return {io::Volume<float>(g, 0.0f), io::Volume<std::uint8_t>(g, 0)};
}

Volumes volumesOf(const std::array<std::int64_t, 3>& size, const std::array<double, 3>& spacing,
                  std::vector<float> values, std::vector<std::uint8_t> labels) {
  Volumes v = volumesOf(size, spacing);
  if (values.size() != v.image.voxels.size() || labels.size() != v.labels.voxels.size())
    throw std::invalid_argument("volumesOf: the voxels do not fill the grid");
  v.image.voxels = std::move(values);
  v.labels.voxels = std::move(labels);
  return v;
}

Volumes padded(const Volumes& v, const std::array<std::int64_t, 3>& margin, float imageFill) {
  return {padded(v.image, margin, imageFill), padded(v.labels, margin, std::uint8_t{0})};
}

Volumes randomVolumes(std::mt19937& rng, std::int64_t nx, std::int64_t ny, std::int64_t nz, int levels, double keep) {
  Volumes v = volumesOf({nx, ny, nz});
  std::uniform_int_distribution<int> value(0, levels - 1);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& x : v.image.voxels) x = static_cast<float>(value(rng));
  for (auto& l : v.labels.voxels) l = u(rng) < keep ? 1 : 0;
  v.labels.voxels[0] = 1;
  return v;
}

void forEachRandomRoi(std::mt19937& rng, int trials, int maxSide, int maxLevels, double minKeep,
                      const std::function<void(int, const Volumes&)>& check) {
  for (int trial = 0; trial < trials; ++trial) {
    std::uniform_int_distribution<int> side(1, maxSide), levels(1, maxLevels);
    std::uniform_real_distribution<double> keep(minKeep, 1.0);
    check(trial, randomVolumes(rng, side(rng), side(rng), side(rng), levels(rng), keep(rng)));
  }
}

Volumes randomBlob(std::uint32_t seed, const std::array<std::int64_t, 3>& n, const std::array<double, 3>& spacing,
                   int levels, const std::array<double, 3>& copy) {
  Volumes c = volumesOf(n, spacing);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(0, levels - 1);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::int64_t z = 0; z < n[2]; ++z)
    for (std::int64_t y = 0; y < n[1]; ++y)
      for (std::int64_t x = 0; x < n[0]; ++x) {
        int v = value(rng);
        if (v == 1) v = 0;  // grey level 2 absent
        const std::array<std::int64_t, 3> p{x, y, z};
        for (int a = 0; a < 3; ++a)
          if (p[a] > 0 && copy[a] > 0 && u(rng) < copy[a]) {
            std::array<std::int64_t, 3> q = p;
            --q[a];
            v = static_cast<int>(c.image.at(q[0], q[1], q[2]));
          }
        c.image.at(x, y, z) = static_cast<float>(v);
        const double dx = (x - 0.2 * n[0]) / (0.7 * n[0]), dy = (y - 0.5 * n[1]) / (0.45 * n[1]),
                     dz = n[2] == 1 ? 0.0 : (z - 0.5 * n[2]) / (0.45 * n[2]);
        const bool hole = std::abs(x - n[0] / 2) <= 1 && std::abs(y - n[1] / 2) <= 1 && z == n[2] / 2;
        if (dx * dx + dy * dy + dz * dz < 1 && !hole && u(rng) > 0.05) c.labels.at(x, y, z) = 1;
      }
  return c;
}

Volumes pyRadiomicsDocstringImage() {
  const int I[5][5] = {{5, 2, 5, 4, 4}, {3, 3, 3, 1, 3}, {2, 1, 1, 1, 3}, {4, 2, 2, 2, 3}, {3, 5, 3, 3, 2}};
  Volumes v{imageOf(5, 5, 1), labelsOf(5, 5, 1, 1)};
  for (int r = 0; r < 5; ++r)
    for (int col = 0; col < 5; ++col) v.image.at(col, r, 0) = static_cast<float>(I[r][col]);
  return v;
}

Case makeCase(const io::Volume<float>& image, const io::Volume<std::uint8_t>& labels, const RadiomicsSettings& settings) {
  std::array<bool, 256> selected{};
  selected[1] = true;
  return makeCase(cropRoi(image, labels, selected, settings), settings);
}

Case makeCase(const Volumes& v, const RadiomicsSettings& settings) { return makeCase(v.image, v.labels, settings); }

Case makeCase(Roi roi, const RadiomicsSettings& settings) {
  Case c{std::move(roi), {}, settings};
  c.grey = discretise(c.roi, settings);
  return c;
}

RadiomicsSettings unitBins(WeightingNorm norm) {
  RadiomicsSettings s;
  s.binWidth = 1;
  s.minimumRoiDimensions = 1;
  s.weightingNorm = norm;
  return s;
}

std::vector<double> computeClass(const std::string& cls, const Case& c) {
  return featureClass(cls).compute(FeatureInput{c.roi, c.grey, c.settings});
}

std::vector<double> computeClass(const std::string& cls, const Volumes& v, const RadiomicsSettings& settings) {
  return computeClass(cls, makeCase(v, settings));
}

std::vector<double> computeClass(const std::string& cls, const Roi& roi, const RadiomicsSettings& settings) {
  const GreyLevels grey = discretise(roi, settings);
  return featureClass(cls).compute(FeatureInput{roi, grey, settings});
}

MatrixStatistics matrixStatistics(const LevelColumnCounts& P) {
  MatrixStatistics m{};
  std::map<int, double> pi;
  std::map<long long, double> pj;
  for (const auto& [ij, n] : P) m.total += n, pi[ij.first] += n, pj[ij.second] += n;
  const double N = m.total;
  double muI = 0, muJ = 0;
  for (const auto& [j, n] : pj) {
    const double jj = static_cast<double>(j);
    m.smallEmphasis += n / (jj * jj), m.largeEmphasis += n * jj * jj, m.columnNonUniformity += n * n, muJ += n / N * jj;
  }
  for (const auto& [i, n] : pi) {
    const double ii = i;
    m.greyNonUniformity += n * n, m.lowGreyEmphasis += n / (ii * ii), m.highGreyEmphasis += n * ii * ii, muI += n / N * ii;
  }
  for (const auto& [j, n] : pj) m.columnVariance += n / N * std::pow(static_cast<double>(j) - muJ, 2);
  for (const auto& [i, n] : pi) m.greyVariance += n / N * std::pow(i - muI, 2);
  for (const auto& [ij, n] : P) {
    const double i2 = static_cast<double>(ij.first) * ij.first, j2 = static_cast<double>(ij.second) * ij.second;
    m.entropy -= n / N * std::log2(n / N + kNumpyEps);
    m.smallLowGrey += n / (i2 * j2), m.smallHighGrey += n * i2 / j2, m.largeLowGrey += n * j2 / i2, m.largeHighGrey += n * i2 * j2;
  }
  m.greyNonUniformityNormalized = m.greyNonUniformity / (N * N);
  m.columnNonUniformityNormalized = m.columnNonUniformity / (N * N);
  for (double* x : {&m.smallEmphasis, &m.largeEmphasis, &m.greyNonUniformity, &m.columnNonUniformity, &m.lowGreyEmphasis,
                    &m.highGreyEmphasis, &m.smallLowGrey, &m.smallHighGrey, &m.largeLowGrey, &m.largeHighGrey})
    *x /= N;
  return m;
}

std::string describe(const Move& move) {
  std::string s = "perm " + std::to_string(move.perm[0]) + std::to_string(move.perm[1]) + std::to_string(move.perm[2]) +
                  " flips ";
  for (int a = 0; a < 3; ++a) s += move.flip[a] ? "xyz"[a] : '-';
  return s;
}

std::vector<Move> withEveryFlip(const std::vector<std::array<int, 3>>& perms) {
  std::vector<Move> moves;
  for (const auto& perm : perms)
    for (int flips = 0; flips < 8; ++flips) moves.push_back({perm, {(flips & 1) != 0, (flips & 2) != 0, (flips & 4) != 0}});
  return moves;
}

std::vector<Move> fourMoves() {
  return {{{0, 1, 2}, {true, false, false}},
          {{0, 1, 2}, {false, true, true}},
          {{1, 0, 2}, {false, false, false}},
          {{2, 0, 1}, {true, false, true}}};
}

Volumes transformed(const Volumes& v, const Move& move) { return {transformed(v.image, move), transformed(v.labels, move)}; }

void forEachFlipAndPermutation(const Volumes& v, const std::vector<Move>& moves,
                               const std::function<void(const Volumes&, const std::string&)>& check) {
  for (const Move& m : moves) check(transformed(v, m), describe(m));
}

void expectInvariant(const std::string& cls, const Volumes& v, const RadiomicsSettings& settings,
                     const std::vector<Move>& moves, double rel, const std::string& what) {
  const auto reference = computeClass(cls, v, settings);
  forEachFlipAndPermutation(v, moves, [&](const Volumes& moved, const std::string& move) {
    expectClose(cls, computeClass(cls, moved, settings), reference, rel, what.empty() ? move : what + ", " + move);
  });
}

void expectClose(const std::string& cls, const std::vector<double>& values, const std::vector<double>& reference,
                 double rel, const std::string& what) {
  const auto& names = featureClass(cls).featureNames;
  ASSERT_EQ(values.size(), names.size()) << what;
  ASSERT_EQ(reference.size(), names.size()) << what;
  for (std::size_t f = 0; f < values.size(); ++f)
    EXPECT_NEAR(values[f], reference[f], rel * std::max(1.0, std::abs(reference[f]))) << what << ": " << names[f];
}

void expectBorderEqualsInside(const std::string& cls, const Volumes& v, const RadiomicsSettings& settings,
                              const std::array<std::int64_t, 3>& margin, float imageFill, double rel) {
  expectClose(cls, computeClass(cls, padded(v, margin, imageFill), settings), computeClass(cls, v, settings), rel,
              "inside vs border");
}

void expectIbsiPhantom(const std::string& cls, const std::vector<double>& values,
                       const std::vector<std::pair<std::string, std::string>>& codes, const std::string& aggregation) {
  for (const auto& [name, code] : codes) {
    const auto ref = anchors::ibsiReferenceToThreeDigits(code, aggregation);
    EXPECT_NEAR(values[featureIndex(cls, name)], ref.value, ref.tolerance)
        << cls << " " << name << " (IBSI " << code << ", '" << aggregation << "')";
  }
}

void expectIbsiPhantom(const std::string& cls, const RadiomicsSettings& settings,
                       const std::vector<std::pair<std::string, std::string>>& codes, const std::string& aggregation) {
  expectIbsiPhantom(cls, computeClass(cls, anchors::ibsiPhantomRoi(settings), settings), codes, aggregation);
}

std::vector<std::string> textureBaselineColumns(bool combined) {
  std::vector<std::string> columns{"brain1", "breast1", "brain1_FBN", "breast1_FBN", "brain1_flatRegion", "breast1_flatRegion"};
  if (combined) columns.insert(columns.end(), {"brain1_combined", "breast1_combined"});
  return columns;
}

void expectBaselineColumn(const std::string& cls, const std::string& column, double maxRelDiff) {
  const RadiomicsSettings settings = anchors::baselineSettings(cls, column);
  const auto values = computeClass(cls, anchors::baselineRoi(column, settings), settings);
  const auto& names = featureClass(cls).featureNames;
  double worst = 0;
  std::string worstName;
  for (std::size_t f = 0; f < names.size(); ++f) {
    const auto ref = anchors::baselineValue(cls, column, names[f]);
    ASSERT_TRUE(ref.has_value()) << cls << " " << column << " " << names[f];
    const double rel = anchors::relativeDifference(values[f], *ref);
    EXPECT_TRUE(rel < 0.03 && rel <= maxRelDiff) << cls << " " << column << " " << names[f] << ": ours " << values[f]
                                                 << ", PyRadiomics " << *ref << ", relative difference " << rel
                                                 << " (allowed " << std::min(0.03, maxRelDiff) << ")";
    if (rel >= worst) worst = rel, worstName = names[f];
  }
  std::printf("[%s baseline] %s: largest relative difference %.2e (%s)\n", cls.c_str(), column.c_str(), worst,
              worstName.c_str());
}

}  // namespace ren::radiomics::testing
