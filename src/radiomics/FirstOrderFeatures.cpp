// PyRadiomics `firstorder` (radiomics/firstorder.py): 18 intensity statistics of the ROI voxels.
//
// Conventions (PyRadiomics, not IBSI, where they differ):
//  - Energy, TotalEnergy and RootMeanSquared add voxelArrayShift c to every intensity; nothing else does.
//  - TotalEnergy = Energy x voxel volume (product of the spacing).
//  - Entropy and Uniformity use the discretised histogram p(i) = N(i) / Np over the present grey levels;
//    Entropy = -sum p log2(p + eps), eps = 2.2e-16 (numpy.spacing(1)).
//  - Percentiles and the median follow numpy's default ("linear") interpolation; the interquartile range
//    is P75 - P25; RobustMeanAbsoluteDeviation uses the voxels in the closed range [P10, P90].
//  - Variance is the population variance; Skewness = mu3 / mu2^1.5; Kurtosis = mu4 / mu2^2 (not excess:
//    IBSI + 3). A flat ROI (mu2 == 0) gives Skewness = Kurtosis = 0.
//
// Cost on Np voxels: four streaming passes over the values (extremes/mean/energy with a radix histogram
// of the high 16 bits of an order-preserving float key; central moments with a copy of the few buckets
// that hold the needed order statistics; two for the robust deviation), then nth_element inside those
// buckets only. No sort of the ROI, no allocation per voxel. Sums run in double over 2-4 lanes per block
// of 4096 values, block sums added with Neumaier compensation.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "ren/radiomics/FeatureClass.h"

namespace ren::radiomics {
namespace {

/// Neumaier-compensated sum of block sums (each block summed in double over interleaved lanes, which
/// also breaks the add latency chain): the error does not grow with Np in practice.
class Accumulator {
 public:
  void add(double blockSum) {
    const double t = sum_ + blockSum;
    if (std::abs(sum_) >= std::abs(blockSum)) compensation_ += (sum_ - t) + blockSum;
    else compensation_ += (blockSum - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0.0, compensation_ = 0.0;
};

constexpr std::size_t kBlock = 4096;

/// Calls body(begin, end) over consecutive blocks of at most kBlock values.
template <class Body>
void forBlocks(std::size_t n, Body body) {
  for (std::size_t begin = 0; begin < n; begin += kBlock) body(begin, std::min(n, begin + kBlock));
}

/// Sum of f(x[i]) over [begin, end) in 4 lanes.
template <class F>
double laneSum(const float* x, std::size_t begin, std::size_t end, F f) {
  double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
  std::size_t i = begin;
  for (; i + 4 <= end; i += 4) l0 += f(x[i]), l1 += f(x[i + 1]), l2 += f(x[i + 2]), l3 += f(x[i + 3]);
  for (; i < end; ++i) l0 += f(x[i]);
  return (l0 + l1) + (l2 + l3);
}

/// Order-preserving unsigned key of a finite float (the ROI never holds NaN: cropRoi rejects it).
inline std::uint32_t sortKey(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/// Exact order statistics in two streaming passes: count() histograms the high 16 bits of the keys,
/// plan() finds the bucket of every requested rank, gather() copies the values of those (few) buckets,
/// and values() runs nth_element inside each gathered bucket.
class RankSelector {
 public:
  RankSelector() : count_(kBuckets, 0), slotOf_(kBuckets, 0), gathered_(1), filled_(1, 0) {}

  void count(const float* x, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) ++count_[sortKey(x[i]) >> 16];
  }
  void plan(const std::vector<std::int64_t>& ranks) {
    ranks_ = ranks;
    std::vector<std::int64_t> start(kBuckets + 1, 0);
    for (std::size_t b = 0; b < kBuckets; ++b) start[b + 1] = start[b] + count_[b];
    for (const std::int64_t r : ranks) {
      const auto b = static_cast<std::size_t>(std::upper_bound(start.begin(), start.end(), r) - start.begin() - 1);
      if (slotOf_[b] == 0) {
        slotOf_[b] = static_cast<std::uint8_t>(gathered_.size());  // <= 10 ranks, so <= 11 slots
        gathered_.emplace_back(count_[b]);
        filled_.push_back(0);
      }
      slot_.push_back(slotOf_[b]);
      offset_.push_back(r - start[b]);
    }
  }
  void gather(const float* x, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i)
      if (const unsigned s = slotOf_[sortKey(x[i]) >> 16]) gathered_[s][filled_[s]++] = x[i];
  }
  std::vector<double> values() {
    std::vector<double> out;
    for (std::size_t r = 0; r < ranks_.size(); ++r) {
      auto& bucket = gathered_[static_cast<std::size_t>(slot_[r])];
      const auto at = bucket.begin() + offset_[r];
      std::nth_element(bucket.begin(), at, bucket.end());
      out.push_back(*at);
    }
    return out;
  }

 private:
  static constexpr std::size_t kBuckets = std::size_t{1} << 16;
  std::vector<std::uint32_t> count_;
  std::vector<std::uint8_t> slotOf_;  // bucket -> 1 + index into gathered_, 0 = not needed
  std::vector<std::vector<float>> gathered_;  // [0] unused (slot 0 = bucket not needed)
  std::vector<std::size_t> filled_;
  std::vector<std::int64_t> ranks_, offset_;
  std::vector<int> slot_;
};

/// numpy.percentile(..., method="linear") from the two neighbouring order statistics (numpy's _lerp).
double lerp(double below, double above, double t) {
  const double diff = above - below;
  return t >= 0.5 ? above - diff * (1.0 - t) : below + diff * t;
}

std::vector<double> computeFirstOrder(const FeatureInput& in) {
  const std::vector<float>& x = in.roi.values;
  const auto n = static_cast<std::int64_t>(x.size());
  const double nd = static_cast<double>(n);
  const double shift = in.settings.voxelArrayShift;

  const float* px = x.data();
  const std::size_t nz = x.size();

  // Pass 1: extremes, mean, shifted energy.
  Accumulator sum, energy;
  float lo = x[0], hi = x[0];
  RankSelector selector;
  forBlocks(nz, [&](std::size_t b, std::size_t e) {
    selector.count(px, b, e);
    for (std::size_t i = b; i < e; ++i) lo = std::min(lo, px[i]), hi = std::max(hi, px[i]);
    double s1[2] = {0, 0}, se[2] = {0, 0};
    std::size_t i = b;
    for (; i + 2 <= e; i += 2)
      for (int l = 0; l < 2; ++l) {
        const double v = px[i + static_cast<std::size_t>(l)], sv = v + shift;
        s1[l] += v, se[l] += sv * sv;
      }
    for (; i < e; ++i) {
      const double v = px[i], sv = v + shift;
      s1[0] += v, se[0] += sv * sv;
    }
    sum.add(s1[0] + s1[1]), energy.add(se[0] + se[1]);
  });
  const double mean = sum.value() / nd;

  // Percentiles (numpy linear): virtual index h = q/100 * (n - 1), between ranks floor(h) and floor(h) + 1.
  struct Percentile {
    double q;
    std::int64_t below;
    double t;
  };
  std::array<Percentile, 4> percentiles{{{10, 0, 0}, {25, 0, 0}, {75, 0, 0}, {90, 0, 0}}};
  std::vector<std::int64_t> ranks;
  for (auto& p : percentiles) {
    const double h = (p.q / 100.0) * static_cast<double>(n - 1);
    p.below = static_cast<std::int64_t>(std::floor(h));
    p.t = h - static_cast<double>(p.below);
    ranks.push_back(p.below);
    ranks.push_back(std::min(p.below + 1, n - 1));
  }
  ranks.push_back((n - 1) / 2);  // median: middle element, or the two middle ones
  ranks.push_back(n / 2);
  selector.plan(ranks);

  // Pass 2: central moments, mean absolute deviation, values of the buckets holding the ranks.
  Accumulator m2, m3, m4, absDev;
  forBlocks(nz, [&](std::size_t b, std::size_t e) {
    selector.gather(px, b, e);
    // One loop, 2 lanes per sum: m2, m3, m4 and |d| share d = x - mean.
    double s2[2] = {0, 0}, s3[2] = {0, 0}, s4[2] = {0, 0}, sa[2] = {0, 0};
    std::size_t i = b;
    for (; i + 2 <= e; i += 2)
      for (int l = 0; l < 2; ++l) {
        const double d = static_cast<double>(px[i + static_cast<std::size_t>(l)]) - mean, d2 = d * d;
        s2[l] += d2, s3[l] += d2 * d, s4[l] += d2 * d2, sa[l] += std::abs(d);
      }
    for (; i < e; ++i) {
      const double d = static_cast<double>(px[i]) - mean, d2 = d * d;
      s2[0] += d2, s3[0] += d2 * d, s4[0] += d2 * d2, sa[0] += std::abs(d);
    }
    m2.add(s2[0] + s2[1]), m3.add(s3[0] + s3[1]), m4.add(s4[0] + s4[1]), absDev.add(sa[0] + sa[1]);
  });
  const double mu2 = m2.value() / nd, mu3 = m3.value() / nd, mu4 = m4.value() / nd;

  const std::vector<double> order = selector.values();
  std::array<double, 4> pv{};
  for (std::size_t p = 0; p < percentiles.size(); ++p) pv[p] = lerp(order[2 * p], order[2 * p + 1], percentiles[p].t);
  const double p10 = pv[0], p25 = pv[1], p75 = pv[2], p90 = pv[3];
  const double median = (n % 2 == 1) ? order[8] : (order[8] + order[9]) / 2.0;

  // Passes 3-4: robust mean absolute deviation over the closed range [P10, P90] (NaN when it holds no
  // voxel, as numpy's nanmean of nothing: possible for tiny ROIs).
  // Branch-free membership weights (about a fifth of the voxels fall outside: branches would mispredict).
  const auto weight = [p10, p90](float v) {
    const double d = v;
    return static_cast<double>(static_cast<int>(d >= p10) & static_cast<int>(d <= p90));
  };
  Accumulator robustSum, robustCountSum;
  forBlocks(nz, [&](std::size_t b, std::size_t e) {
    double sv[2] = {0, 0}, sc[2] = {0, 0};
    std::size_t i = b;
    for (; i + 2 <= e; i += 2)
      for (int l = 0; l < 2; ++l) {
        const float v = px[i + static_cast<std::size_t>(l)];
        const double w = weight(v);
        sv[l] += w * static_cast<double>(v), sc[l] += w;
      }
    for (; i < e; ++i) {
      const double w = weight(px[i]);
      sv[0] += w * static_cast<double>(px[i]), sc[0] += w;
    }
    robustSum.add(sv[0] + sv[1]), robustCountSum.add(sc[0] + sc[1]);
  });
  const double robustCount = robustCountSum.value();  // an exact integer (< 2^53)
  double robustMad = std::numeric_limits<double>::quiet_NaN();
  if (robustCount > 0) {
    const double robustMean = robustSum.value() / robustCount;
    Accumulator robustDev;
    forBlocks(nz, [&](std::size_t b, std::size_t e) {
      robustDev.add(laneSum(px, b, e, [&](float v) { return weight(v) * std::abs(static_cast<double>(v) - robustMean); }));
    });
    robustMad = robustDev.value() / robustCount;
  }

  // Discretised histogram over the present levels.
  double entropy = 0.0, uniformity = 0.0;
  constexpr double kEps = 2.220446049250313e-16;  // numpy.spacing(1)
  for (int level : in.grey.present) {
    const double p = static_cast<double>(in.grey.histogram[static_cast<std::size_t>(level)]) / nd;
    entropy -= p * std::log2(p + kEps);
    uniformity += p * p;
  }

  const double voxelVolume = in.roi.spacing[0] * in.roi.spacing[1] * in.roi.spacing[2];
  const double e = energy.value();
  const bool flat = !(mu2 > 0.0);
  return {
      e,                                           // Energy
      e * voxelVolume,                             // TotalEnergy
      entropy,                                     // Entropy
      static_cast<double>(lo),                     // Minimum
      p10,                                         // 10Percentile
      p90,                                         // 90Percentile
      static_cast<double>(hi),                     // Maximum
      mean,                                        // Mean
      median,                                      // Median
      p75 - p25,                                   // InterquartileRange
      static_cast<double>(hi) - static_cast<double>(lo),  // Range
      absDev.value() / nd,                         // MeanAbsoluteDeviation
      robustMad,                                   // RobustMeanAbsoluteDeviation
      std::sqrt(e / nd),                           // RootMeanSquared
      flat ? 0.0 : mu3 / std::pow(mu2, 1.5),       // Skewness
      flat ? 0.0 : mu4 / (mu2 * mu2),              // Kurtosis
      mu2,                                         // Variance
      uniformity,                                  // Uniformity
  };
}

}  // namespace

FeatureClass firstOrderFeatures() {
  return FeatureClass{"firstorder",
                      {"Energy", "TotalEnergy", "Entropy", "Minimum", "10Percentile", "90Percentile", "Maximum",
                       "Mean", "Median", "InterquartileRange", "Range", "MeanAbsoluteDeviation",
                       "RobustMeanAbsoluteDeviation", "RootMeanSquared", "Skewness", "Kurtosis", "Variance",
                       "Uniformity"},
                      computeFirstOrder};
}

}  // namespace ren::radiomics
