#include "ren/preprocess/LungSegmentation.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

#include "ren/core/Error.h"
#include "ren/core/Regions.h"

namespace ren::preprocess {

namespace {

/// 6-connected components of `mask` (non-zero voxels); returns labels (0 = background) and sizes
/// (index = label).
std::vector<std::int32_t> components3d(const std::vector<std::uint8_t>& mask, const std::array<std::int64_t, 3>& n,
                                       std::vector<std::int64_t>& sizes) {
  std::vector<std::int32_t> label(mask.size(), 0);
  sizes.assign(1, 0);
  std::vector<std::int64_t> stack;
  const std::int64_t sx = 1, sy = n[0], sz = n[0] * n[1];
  for (std::int64_t start = 0; start < static_cast<std::int64_t>(mask.size()); ++start) {
    if (!mask[static_cast<std::size_t>(start)] || label[static_cast<std::size_t>(start)]) continue;
    const auto id = static_cast<std::int32_t>(sizes.size());
    sizes.push_back(0);
    stack.assign(1, start);
    label[static_cast<std::size_t>(start)] = id;
    while (!stack.empty()) {
      const std::int64_t v = stack.back();
      stack.pop_back();
      ++sizes.back();
      const std::int64_t x = v % n[0], y = (v / n[0]) % n[1], z = v / sz;
      const std::int64_t neighbours[6] = {x > 0 ? v - sx : -1,        x + 1 < n[0] ? v + sx : -1,
                                          y > 0 ? v - sy : -1,        y + 1 < n[1] ? v + sy : -1,
                                          z > 0 ? v - sz : -1,        z + 1 < n[2] ? v + sz : -1};
      for (std::int64_t w : neighbours) {
        if (w < 0 || !mask[static_cast<std::size_t>(w)] || label[static_cast<std::size_t>(w)]) continue;
        label[static_cast<std::size_t>(w)] = id;
        stack.push_back(w);
      }
    }
  }
  return label;
}

/// Per axial slice: calls visit(z, pixels) for each 4-connected 2-D component of `mask`.
template <class Visit>
void components2d(const std::vector<std::uint8_t>& mask, const std::array<std::int64_t, 3>& n, Visit visit) {
  const std::int64_t area = n[0] * n[1];
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(area));
  std::vector<std::int64_t> pixels, stack;
  for (std::int64_t z = 0; z < n[2]; ++z) {
    std::fill(seen.begin(), seen.end(), 0);
    const std::uint8_t* slice = mask.data() + z * area;
    for (std::int64_t p = 0; p < area; ++p) {
      if (!slice[p] || seen[static_cast<std::size_t>(p)]) continue;
      pixels.clear();
      stack.assign(1, p);
      seen[static_cast<std::size_t>(p)] = 1;
      while (!stack.empty()) {
        const std::int64_t q = stack.back();
        stack.pop_back();
        pixels.push_back(q);
        const std::int64_t x = q % n[0], y = q / n[0];
        const std::int64_t nb[4] = {x > 0 ? q - 1 : -1, x + 1 < n[0] ? q + 1 : -1, y > 0 ? q - n[0] : -1,
                                    y + 1 < n[1] ? q + n[0] : -1};
        for (std::int64_t w : nb)
          if (w >= 0 && slice[w] && !seen[static_cast<std::size_t>(w)]) {
            seen[static_cast<std::size_t>(w)] = 1;
            stack.push_back(w);
          }
      }
      visit(z, pixels);
    }
  }
}

}  // namespace

io::Volume<std::uint8_t> segmentLungs(const io::Volume<float>& ct, const LungSegmentationOptions& options) {
  const auto& g = ct.geometry;
  const auto& n = g.size;
  std::vector<std::uint8_t> air(ct.voxels.size());
  for (std::size_t i = 0; i < air.size(); ++i) air[i] = ct.voxels[i] < options.airThresholdHu;

  // Air connected to the lateral/anterior/posterior faces is outside the body.
  std::vector<std::int64_t> sizes;
  auto label = components3d(air, n, sizes);
  std::vector<std::uint8_t> outside(sizes.size(), 0);
  for (std::int64_t z = 0; z < n[2]; ++z)
    for (std::int64_t y = 0; y < n[1]; ++y)
      for (std::int64_t x = 0; x < n[0]; ++x)
        if (x == 0 || y == 0 || x == n[0] - 1 || y == n[1] - 1) outside[static_cast<std::size_t>(label[g.index(x, y, z)])] = 1;
  std::vector<std::uint8_t> lung(air.size(), 0);
  for (std::size_t i = 0; i < air.size(); ++i) lung[i] = air[i] && !outside[static_cast<std::size_t>(label[i])];

  // Trachea and main bronchi: small 2-D air blobs near the midline of the inner air.
  double sumX = 0;
  std::int64_t count = 0;
  for (std::int64_t z = 0; z < n[2]; ++z)
    for (std::int64_t y = 0; y < n[1]; ++y)
      for (std::int64_t x = 0; x < n[0]; ++x)
        if (lung[g.index(x, y, z)]) {
          sumX += static_cast<double>(x);
          ++count;
        }
  if (count == 0) throw InputError("fallback lung segmentation: no air inside the body (is the image in HU?)");
  const double midX = sumX / static_cast<double>(count);
  const double pixelArea = g.spacing[0] * g.spacing[1];
  components2d(lung, n, [&](std::int64_t z, const std::vector<std::int64_t>& pixels) {
    if (static_cast<double>(pixels.size()) * pixelArea > options.airwayMaxAreaMm2) return;
    double cx = 0;
    for (auto p : pixels) cx += static_cast<double>(p % n[0]);
    cx /= static_cast<double>(pixels.size());
    if (std::fabs(cx - midX) * g.spacing[0] > options.airwayMidlineMm) return;
    for (auto p : pixels) lung[static_cast<std::size_t>(z * n[0] * n[1] + p)] = 0;
  });

  // The two largest remaining components are the lungs (or one, split at the midline).
  label = components3d(lung, n, sizes);
  std::vector<std::int32_t> order(sizes.size() - 1);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int32_t>(i + 1);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return sizes[static_cast<std::size_t>(a)] != sizes[static_cast<std::size_t>(b)] ? sizes[static_cast<std::size_t>(a)] > sizes[static_cast<std::size_t>(b)] : a < b;
  });
  if (order.empty() || sizes[static_cast<std::size_t>(order[0])] * pixelArea * g.spacing[2] < 50000.0)
    throw InputError("fallback lung segmentation: no lung-sized air region inside the body (is the image in HU?)");
  const bool twoLungs = order.size() > 1 && sizes[static_cast<std::size_t>(order[1])] * 4 >= sizes[static_cast<std::size_t>(order[0])];

  // Component mean x decides the side: RAS world x grows to the patient's right.
  auto worldX = [&](double x) { return g.worldOf(x, 0, 0)[0] - g.worldOf(0, 0, 0)[0]; };
  std::vector<double> compX(sizes.size(), 0.0);
  for (std::size_t i = 0; i < label.size(); ++i)
    if (label[i]) compX[static_cast<std::size_t>(label[i])] += static_cast<double>(static_cast<std::int64_t>(i) % n[0]);
  io::Volume<std::uint8_t> out(g, 0);
  const double splitX = twoLungs ? 0.0 : compX[static_cast<std::size_t>(order[0])] / static_cast<double>(sizes[static_cast<std::size_t>(order[0])]);
  double firstX = 0, secondX = 0;
  if (twoLungs) {
    firstX = compX[static_cast<std::size_t>(order[0])] / static_cast<double>(sizes[static_cast<std::size_t>(order[0])]);
    secondX = compX[static_cast<std::size_t>(order[1])] / static_cast<double>(sizes[static_cast<std::size_t>(order[1])]);
  }
  for (std::size_t i = 0; i < label.size(); ++i) {
    const std::int32_t c = label[i];
    if (!c) continue;
    const double x = static_cast<double>(static_cast<std::int64_t>(i) % n[0]);
    bool right;
    if (twoLungs) {
      if (c != order[0] && c != order[1]) continue;
      const double own = c == order[0] ? firstX : secondX, other = c == order[0] ? secondX : firstX;
      right = worldX(own) > worldX(other);
    } else {
      if (c != order[0]) continue;
      right = worldX(x) > worldX(splitX);
    }
    out.voxels[i] = right ? kRightLungUnknownLobe : kLeftLungUnknownLobe;
  }

  // Fill holes (vessels, nodules) slice by slice: background not connected to the slice border.
  std::vector<std::uint8_t> background(out.voxels.size());
  for (std::size_t i = 0; i < background.size(); ++i) background[i] = out.voxels[i] == 0;
  components2d(background, n, [&](std::int64_t z, const std::vector<std::int64_t>& pixels) {
    std::uint8_t side = 0;
    for (auto p : pixels) {
      const std::int64_t x = p % n[0], y = p / n[0];
      if (x == 0 || y == 0 || x == n[0] - 1 || y == n[1] - 1) return;  // touches the border: true background
    }
    // Enclosed: take the side of a neighbouring lung pixel.
    for (auto p : pixels) {
      const std::int64_t x = p % n[0];
      const std::size_t base = static_cast<std::size_t>(z * n[0] * n[1]);
      if (x > 0 && out.voxels[base + static_cast<std::size_t>(p - 1)]) side = out.voxels[base + static_cast<std::size_t>(p - 1)];
      if (side) break;
    }
    if (!side) return;
    for (auto p : pixels) out.voxels[static_cast<std::size_t>(z * n[0] * n[1] + p)] = side;
  });
  return out;
}

}  // namespace ren::preprocess
