#include "MeshDiameters.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

namespace ren::radiomics::mesh {
namespace {

using Point = std::array<std::int32_t, 3>;  // doubled voxel coordinates (x, y, z)

/// End points of the vertex lines of one family: for line index (a, b), the smallest and largest
/// coordinate along the line (lo > hi when the line holds no vertex).
struct LineEnds {
  std::int64_t nb = 0;
  std::vector<std::int32_t> lo, hi;
  LineEnds(std::int64_t na, std::int64_t nbIn) : nb(nbIn), lo(static_cast<std::size_t>(na * nbIn), INT_MAX), hi(static_cast<std::size_t>(na * nbIn), INT_MIN) {}
  std::size_t at(std::int64_t a, std::int64_t b) const { return static_cast<std::size_t>(a * nb + b); }
};

/// Convex hull (Andrew's monotone chain, collinear points dropped) of 2D points given in (u, v) order
/// sorted by u then v; returns indices into `pts`.
void convexHull(const std::vector<std::array<std::int32_t, 2>>& pts, std::vector<int>& hull) {
  hull.clear();
  const int n = static_cast<int>(pts.size());
  if (n <= 2) {
    for (int i = 0; i < n; ++i) hull.push_back(i);
    return;
  }
  const auto turn = [&](int o, int a, int b) {
    const std::int64_t ux = pts[a][0] - pts[o][0], uy = pts[a][1] - pts[o][1];
    const std::int64_t vx = pts[b][0] - pts[o][0], vy = pts[b][1] - pts[o][1];
    return ux * vy - uy * vx;
  };
  std::vector<int> h(static_cast<std::size_t>(2 * n));
  int k = 0;
  for (int i = 0; i < n; ++i) {
    while (k >= 2 && turn(h[k - 2], h[k - 1], i) <= 0) --k;
    h[static_cast<std::size_t>(k++)] = i;
  }
  for (int i = n - 2, t = k + 1; i >= 0; --i) {
    while (k >= t && turn(h[k - 2], h[k - 1], i) <= 0) --k;
    h[static_cast<std::size_t>(k++)] = i;
  }
  hull.assign(h.begin(), h.begin() + (k - 1));
  if (hull.empty()) hull.push_back(0);
}

/// Largest squared distance within each plane of a family. Plane p holds lines q = 0..nq-1 whose end
/// points (along the line axis) are ends[(q, p) or (p, q)]; `point` builds the 3D vertex.
template <class LineAt, class MakePoint>
double planeDiameters(std::int64_t nPlanes, std::int64_t nLines, const LineEnds& ends, LineAt lineAt, MakePoint point,
                      const std::array<double, 3>& half, std::vector<Point>* hullVertices) {
  double best = 0.0;
  std::vector<std::array<std::int32_t, 2>> pts;  // (line index, coordinate along the line)
  std::vector<Point> pts3;
  std::vector<int> hull;
  for (std::int64_t p = 0; p < nPlanes; ++p) {
    pts.clear(), pts3.clear();
    std::int32_t vMin = INT_MAX, vMax = INT_MIN, uMin = INT_MAX, uMax = INT_MIN;
    for (std::int64_t q = 0; q < nLines; ++q) {
      const std::size_t at = lineAt(p, q);
      const std::int32_t lo = ends.lo[at], hi = ends.hi[at];
      if (lo > hi) continue;
      const auto u = static_cast<std::int32_t>(q);
      pts.push_back({u, lo});
      pts3.push_back(point(p, u, lo));
      if (hi != lo) pts.push_back({u, hi}), pts3.push_back(point(p, u, hi));
      vMin = std::min(vMin, lo), vMax = std::max(vMax, hi);
      uMin = std::min(uMin, u), uMax = u;
    }
    if (pts.empty()) continue;
    // No pair of this plane can beat `best` when even its bounding box diagonal does not.
    const bool mayImprove = vertexDistance2(point(p, uMin, vMin), point(p, uMax, vMax), half) > best;
    if (!mayImprove && !hullVertices) continue;
    convexHull(pts, hull);
    if (hullVertices)
      for (int h : hull) hullVertices->push_back(pts3[static_cast<std::size_t>(h)]);
    if (!mayImprove) continue;
    // Rotating calipers over the hull (counter-clockwise): every antipodal pair is visited. Antipodal
    // pairs are affine invariant, so the integer (u, v) geometry gives the pairs of the physical one.
    const std::size_t h = hull.size();
    const auto dist = [&](std::size_t a, std::size_t b) {
      return vertexDistance2(pts3[static_cast<std::size_t>(hull[a])], pts3[static_cast<std::size_t>(hull[b])], half);
    };
    if (h == 2) best = std::max(best, dist(0, 1));
    if (h < 3) continue;
    const auto area2 = [&](std::size_t a, std::size_t b, std::size_t c) {
      const auto& pa = pts[static_cast<std::size_t>(hull[a])];
      const auto& pb = pts[static_cast<std::size_t>(hull[b])];
      const auto& pc = pts[static_cast<std::size_t>(hull[c])];
      return static_cast<std::int64_t>(pb[0] - pa[0]) * (pc[1] - pa[1]) - static_cast<std::int64_t>(pb[1] - pa[1]) * (pc[0] - pa[0]);
    };
    std::size_t k = 1;
    for (std::size_t i = 0; i < h; ++i) {
      const std::size_t ni = (i + 1) % h;
      std::int64_t here = area2(i, ni, k);
      for (;;) {
        const std::int64_t next = area2(i, ni, (k + 1) % h);
        if (next <= here) {
          if (next == here) best = std::max({best, dist(i, (k + 1) % h), dist(ni, (k + 1) % h)});  // parallel edges
          break;
        }
        k = (k + 1) % h, here = next;
      }
      best = std::max({best, dist(i, k), dist(ni, k)});
    }
  }
  return best;
}

/// Largest squared distance among `pts` (k-d tree, dual-tree branch and bound).
double diameter3d(std::vector<Point>& pts, const std::array<double, 3>& half) {
  const int n = static_cast<int>(pts.size());
  if (n < 2) return 0.0;
  struct Node {
    int begin, end, left = -1, right = -1;
    Point lo, hi;
  };
  std::vector<Node> nodes;
  nodes.reserve(static_cast<std::size_t>(2 * n / 8 + 2));
  constexpr int kLeaf = 16;
  // Build (iteratively, children after parents).
  const auto makeNode = [&](int begin, int end) {
    Node node{begin, end, -1, -1, {INT_MAX, INT_MAX, INT_MAX}, {INT_MIN, INT_MIN, INT_MIN}};
    for (int i = begin; i < end; ++i)
      for (int d = 0; d < 3; ++d) node.lo[d] = std::min(node.lo[d], pts[static_cast<std::size_t>(i)][d]), node.hi[d] = std::max(node.hi[d], pts[static_cast<std::size_t>(i)][d]);
    nodes.push_back(node);
    return static_cast<int>(nodes.size() - 1);
  };
  makeNode(0, n);
  for (std::size_t t = 0; t < nodes.size(); ++t) {
    const Node node = nodes[t];
    if (node.end - node.begin <= kLeaf) continue;
    int axis = 0;
    double widest = -1;
    for (int d = 0; d < 3; ++d) {
      const double w = (node.hi[d] - node.lo[d]) * half[static_cast<std::size_t>(d)];
      if (w > widest) widest = w, axis = d;
    }
    const int mid = (node.begin + node.end) / 2;
    std::nth_element(pts.begin() + node.begin, pts.begin() + mid, pts.begin() + node.end,
                     [axis](const Point& a, const Point& b) { return a[axis] < b[axis]; });
    const int l = makeNode(node.begin, mid);
    const int r = makeNode(mid, node.end);
    nodes[t].left = l, nodes[t].right = r;
  }
  // Lower bound: pairs of extreme points along 13 directions.
  double best = 0.0;
  static const int kDirs[13][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {1, -1, 0}, {1, 0, 1}, {1, 0, -1},
                                   {0, 1, 1}, {0, 1, -1}, {1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {-1, 1, 1}};
  for (const auto& dir : kDirs) {
    int iMin = 0, iMax = 0;
    double pMin = INFINITY, pMax = -INFINITY;
    for (int i = 0; i < n; ++i) {
      double proj = 0;
      for (int d = 0; d < 3; ++d) proj += dir[d] * pts[static_cast<std::size_t>(i)][d] * half[static_cast<std::size_t>(d)];
      if (proj < pMin) pMin = proj, iMin = i;
      if (proj > pMax) pMax = proj, iMax = i;
    }
    best = std::max(best, vertexDistance2(pts[static_cast<std::size_t>(iMin)], pts[static_cast<std::size_t>(iMax)], half));
  }
  const auto bound = [&](const Node& a, const Node& b) {
    Point far{};
    for (int d = 0; d < 3; ++d) far[d] = std::max(a.hi[d] - b.lo[d], b.hi[d] - a.lo[d]);
    return vertexDistance2(far, Point{0, 0, 0}, half);
  };
  std::vector<std::pair<int, int>> stack{{0, 0}};
  while (!stack.empty()) {
    const auto [ia, ib] = stack.back();
    stack.pop_back();
    const Node& a = nodes[static_cast<std::size_t>(ia)];
    const Node& b = nodes[static_cast<std::size_t>(ib)];
    if (bound(a, b) <= best) continue;
    const bool leafA = a.left < 0, leafB = b.left < 0;
    if (leafA && leafB) {
      for (int i = a.begin; i < a.end; ++i)
        for (int j = (ia == ib ? i + 1 : b.begin); j < b.end; ++j)
          best = std::max(best, vertexDistance2(pts[static_cast<std::size_t>(i)], pts[static_cast<std::size_t>(j)], half));
      continue;
    }
    if (ia == ib) {
      stack.push_back({a.left, a.left});
      stack.push_back({a.right, a.right});
      stack.push_back({a.left, a.right});  // the far pair first
      continue;
    }
    const bool splitA = !leafA && (leafB || a.end - a.begin >= b.end - b.begin);
    const Node& s = splitA ? a : b;
    const int other = splitA ? ib : ia;
    const double b1 = bound(nodes[static_cast<std::size_t>(s.left)], nodes[static_cast<std::size_t>(other)]);
    const double b2 = bound(nodes[static_cast<std::size_t>(s.right)], nodes[static_cast<std::size_t>(other)]);
    if (b1 < b2) {
      stack.push_back({s.left, other});
      stack.push_back({s.right, other});
    } else {
      stack.push_back({s.right, other});
      stack.push_back({s.left, other});
    }
  }
  return best;
}

inline std::uint64_t load8(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

Diameters meshDiameters(const std::vector<std::uint8_t>& mask, std::uint8_t bit, const MaskRows& rows,
                        const std::array<double, 3>& spacing) {
  const auto [nx, ny, nz] = rows.size;
  const std::int64_t X2 = 2 * nx + 1, Y2 = 2 * ny + 1, Z2 = 2 * nz + 1;
  LineEnds alongX(Z2, Y2);  // line (zz, yy): x extent
  LineEnds alongY(Z2, X2);  // line (zz, xx): y extent
  std::uint64_t bits = 0;   // `bit` in each of 8 bytes
  std::memset(&bits, bit, sizeof bits);

  for (std::int64_t k = 0; k + 1 < nz; ++k)
    for (std::int64_t j = 0; j + 1 < ny; ++j) {
      std::int64_t lo = nx, hi = -1;
      for (const std::int64_t r : {rows.row(j, k), rows.row(j + 1, k), rows.row(j, k + 1)}) {
        const auto f = rows.first[static_cast<std::size_t>(r)];
        if (f < 0) continue;
        lo = std::min<std::int64_t>(lo, f), hi = std::max<std::int64_t>(hi, rows.last[static_cast<std::size_t>(r)]);
      }
      if (hi < 0) continue;
      const std::uint8_t* a = mask.data() + static_cast<std::size_t>(nx * rows.row(j, k));
      const std::uint8_t* by = mask.data() + static_cast<std::size_t>(nx * rows.row(j + 1, k));
      const std::uint8_t* bz = mask.data() + static_cast<std::size_t>(nx * rows.row(j, k + 1));
      const auto zz = static_cast<std::int32_t>(2 * k), yy = static_cast<std::int32_t>(2 * j);
      // End points of this row's three x lines: x edges (zz, yy), y edges (zz, yy + 1), z edges (zz + 1, yy).
      std::int32_t xLo[3] = {INT_MAX, INT_MAX, INT_MAX}, xHi[3] = {INT_MIN, INT_MIN, INT_MIN};
      const auto note = [&](int line, std::int32_t xx, std::int64_t zLine, std::int32_t y) {
        xLo[line] = std::min(xLo[line], xx), xHi[line] = xx;
        const std::size_t at = alongY.at(zLine, xx);
        if (alongY.lo[at] == INT_MAX) alongY.lo[at] = y;
        alongY.hi[at] = y;
      };
      for (std::int64_t i = lo - 1; i <= hi; ++i) {
        // Skip 8 voxels at once when none of their x, y and z edges crosses the surface.
        if (i + 9 <= nx) {
          const std::uint64_t w = load8(a + i);
          if ((((w ^ load8(a + i + 1)) | (w ^ load8(by + i)) | (w ^ load8(bz + i))) & bits) == 0) {
            i += 7;
            continue;
          }
        }
        const bool in = a[i] & bit;
        const auto xx = static_cast<std::int32_t>(2 * i);
        if (in != static_cast<bool>(a[i + 1] & bit)) note(0, xx + 1, zz, yy);
        if (in != static_cast<bool>(by[i] & bit)) note(1, xx, zz, yy + 1);
        if (in != static_cast<bool>(bz[i] & bit)) note(2, xx, zz + 1, yy);
      }
      const std::size_t lines[3] = {alongX.at(zz, yy), alongX.at(zz, yy + 1), alongX.at(zz + 1, yy)};
      for (int l = 0; l < 3; ++l) alongX.lo[lines[l]] = xLo[l], alongX.hi[lines[l]] = xHi[l];
    }

  const std::array<double, 3> half{spacing[0] / 2, spacing[1] / 2, spacing[2] / 2};
  Diameters d;
  std::vector<Point> candidates;
  // Slice: planes zz, lines yy along x.
  const double slice2 = planeDiameters(
      Z2, Y2, alongX, [&](std::int64_t p, std::int64_t q) { return alongX.at(p, q); },
      [](std::int64_t p, std::int32_t u, std::int32_t v) { return Point{v, u, static_cast<std::int32_t>(p)}; }, half,
      &candidates);
  // Column: planes yy, lines zz along x.
  const double column2 = planeDiameters(
      Y2, Z2, alongX, [&](std::int64_t p, std::int64_t q) { return alongX.at(q, p); },
      [](std::int64_t p, std::int32_t u, std::int32_t v) { return Point{v, static_cast<std::int32_t>(p), u}; }, half,
      nullptr);
  // Row: planes xx, lines zz along y.
  const double row2 = planeDiameters(
      X2, Z2, alongY, [&](std::int64_t p, std::int64_t q) { return alongY.at(q, p); },
      [](std::int64_t p, std::int32_t u, std::int32_t v) { return Point{static_cast<std::int32_t>(p), v, u}; }, half,
      nullptr);
  d.slice = std::sqrt(slice2);
  d.column = std::sqrt(column2);
  d.row = std::sqrt(row2);
  d.max3d = std::sqrt(diameter3d(candidates, half));
  return d;
}

}  // namespace ren::radiomics::mesh
