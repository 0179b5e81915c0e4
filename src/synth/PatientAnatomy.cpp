#include "ren/synth/PatientAnatomy.h"

#include <cmath>

#include "ren/core/Random.h"
#include "ren/core/Regions.h"

namespace ren::synth {

namespace {

double sq(double v) { return v * v; }

/// Lung half-width factor towards the apex (rounded top).
double apexTaper(const LungShape& lung, double z) {
  const double start = 0.25;
  if (z <= start) return 1.0;
  const double t = (z - start) / (lung.apex - start);
  return t >= 1.0 ? 0.0 : std::sqrt(1.0 - t * t);
}

double baseHeight(const LungShape& lung, double x, double y) {
  const double r2 = sq((x - lung.cx) / lung.lx) + sq((y - lung.cy) / lung.ly);
  return lung.baseLevel + lung.dome * std::max(0.0, 1.0 - r2);
}

Vec3 add(const Vec3& a, const Vec3& b, double s = 1.0) { return {a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]}; }
Vec3 normalised(const Vec3& v) {
  const double n = std::sqrt(sq(v[0]) + sq(v[1]) + sq(v[2]));
  return {v[0] / n, v[1] / n, v[2] / n};
}

/// Rotates `dir` by `angle` around a random axis perpendicular to it.
Vec3 deflect(const Vec3& dir, double angle, Rng& rng) {
  Vec3 helper = std::fabs(dir[2]) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
  Vec3 u = normalised({dir[1] * helper[2] - dir[2] * helper[1], dir[2] * helper[0] - dir[0] * helper[2],
                       dir[0] * helper[1] - dir[1] * helper[0]});
  Vec3 w = {dir[1] * u[2] - dir[2] * u[1], dir[2] * u[0] - dir[0] * u[2], dir[0] * u[1] - dir[1] * u[0]};
  const double phi = rng.uniform(0.0, 2.0 * M_PI);
  Vec3 perp = add(Vec3{u[0] * std::cos(phi), u[1] * std::cos(phi), u[2] * std::cos(phi)}, w, std::sin(phi));
  return normalised(add(Vec3{dir[0] * std::cos(angle), dir[1] * std::cos(angle), dir[2] * std::cos(angle)}, perp,
                        std::sin(angle)));
}

void growTree(const LungShape& lung, Vec3 start, Vec3 dir, double length, double radius, int generation, int maxGeneration,
              Rng& rng, std::vector<TubeSegment>& out) {
  Vec3 end = add(start, dir, length);
  int tries = 0;
  while (!insideLungShape(lung, end) && tries < 4) {
    length *= 0.6;
    end = add(start, dir, length);
    ++tries;
  }
  if (!insideLungShape(lung, end)) return;
  out.push_back({start, end, radius, generation});
  if (generation >= maxGeneration) return;
  for (int child = 0; child < 2; ++child) {
    const Vec3 childDir = deflect(dir, rng.uniform(0.35, 0.7), rng);
    growTree(lung, end, childDir, length * rng.uniform(0.65, 0.8), radius * 0.72, generation + 1, maxGeneration, rng, out);
  }
}

}  // namespace

bool insideLungShape(const LungShape& lung, const Vec3& p) {
  const double x = p[0], y = p[1], z = p[2];
  if (z > lung.apex || z < lung.baseLevel) return false;
  if (z < baseHeight(lung, x, y)) return false;
  const double taper = apexTaper(lung, z);
  if (taper <= 0.0) return false;
  return sq((x - lung.cx) / (lung.lx * taper)) + sq((y - lung.cy) / (lung.ly * taper)) <= 1.0;
}

PatientAnatomy makePatientAnatomy(std::uint64_t seed) {
  Rng rng(seed);
  PatientAnatomy a;
  a.bodyAx = rng.uniform(0.88, 0.95);
  a.bodyAy = rng.uniform(0.64, 0.70);
  a.bodyCy = -0.06;
  a.fat = rng.uniform(0.03, 0.08);
  for (int s = 0; s < 2; ++s) {
    LungShape& l = a.lungs[s];
    l.side = s == 0 ? 1.0 : -1.0;
    l.cx = l.side * rng.uniform(0.38, 0.42);
    l.cy = rng.uniform(-0.09, -0.05);
    l.lx = rng.uniform(0.27, 0.31) + (s == 0 ? 0.01 : 0.0);
    l.ly = rng.uniform(0.39, 0.44);
    l.apex = rng.uniform(0.78, 0.88);
    l.baseLevel = rng.uniform(-0.78, -0.70) + (s == 0 ? 0.04 : 0.0);  // right dome higher (liver)
    l.dome = rng.uniform(0.20, 0.28);
    l.obliqueA = rng.uniform(-0.06, 0.04);
    l.obliqueB = rng.uniform(0.42, 0.55);
    l.obliqueC = rng.uniform(-0.08, 0.08);
    l.horizontal = rng.uniform(0.06, 0.16);
  }
  a.heartCentre = {rng.uniform(-0.10, -0.06), rng.uniform(0.10, 0.15), rng.uniform(-0.35, -0.25)};
  a.heartAxes = {rng.uniform(0.24, 0.29), rng.uniform(0.19, 0.23), rng.uniform(0.22, 0.27)};
  a.aortaX = -0.09;
  a.aortaY = -0.36;
  a.aortaRadius = rng.uniform(0.045, 0.06);
  a.spineY = -0.50;
  a.spineAx = 0.085;
  a.spineAy = 0.072;
  a.discPeriod = rng.uniform(0.15, 0.18);
  a.discPhase = rng.uniform(0.0, 1.0);
  a.ribAx = 0.78;
  a.ribAy = a.bodyAy - a.fat - 0.07;
  a.ribRadius = 0.022;
  a.ribSlope = rng.uniform(0.10, 0.16);
  for (double z = 0.95 - rng.uniform(0.0, 0.13); z > -0.9; z -= 0.135) a.ribLevels.push_back(z);
  a.textureSeed = rng.next();

  // Airways: trachea, carina, main bronchi to each hilum.
  const Vec3 carina{0.0, rng.uniform(-0.03, 0.02), rng.uniform(0.14, 0.22)};
  a.airways.push_back({{0.0, carina[1] + 0.05, 1.05}, carina, 0.055, 0});
  for (int s = 0; s < 2; ++s) {
    const LungShape& l = a.lungs[s];
    const Vec3 hilum{l.side * 0.17, l.cy + 0.05, 0.06};
    a.airways.push_back({carina, hilum, 0.038, 1});
    // Vessel tree from the hilum: upper, lateral-lower and posterior-lower trunks.
    const Vec3 trunks[3] = {normalised({l.side * 0.3, 0.1, 1.0}), normalised({l.side * 0.6, 0.2, -0.8}),
                            normalised({l.side * 0.35, -0.6, -0.7})};
    const std::size_t first = a.vessels.size();
    for (const Vec3& t : trunks)
      growTree(l, hilum, deflect(t, rng.uniform(0.0, 0.15), rng), rng.uniform(0.20, 0.26), 0.030, 0, 5, rng, a.vessels);
    // Bronchi run beside the first two generations of arteries.
    for (std::size_t i = first; i < a.vessels.size(); ++i) {
      const TubeSegment& v = a.vessels[i];
      if (v.generation > 1) continue;
      const Vec3 offset{0.0, 0.022, 0.0};
      a.airways.push_back({add(v.a, offset), add(v.b, offset), v.radius * 0.85, v.generation + 2});
    }
  }
  return a;
}

AnatomySample sampleAnatomy(const PatientAnatomy& a, const Vec3& p, double fissureHalfWidth) {
  const double x = p[0], y = p[1], z = p[2];
  const double body = sq(x / a.bodyAx) + sq((y - a.bodyCy) / a.bodyAy);
  if (body > 1.0) return {-1000.0f, 0, false};
  float hu = 40.0f;  // muscle / soft tissue
  if (sq(x / (a.bodyAx - a.fat)) + sq((y - a.bodyCy) / (a.bodyAy - a.fat)) > 1.0) hu = -100.0f;  // subcutaneous fat

  // Lungs take precedence over the structures drawn around them.
  for (const LungShape& l : a.lungs) {
    if (!insideLungShape(l, p)) continue;
    if (std::fabs(x) < 0.10) break;  // mediastinum
    if (sq((x - a.heartCentre[0]) / a.heartAxes[0]) + sq((y - a.heartCentre[1]) / a.heartAxes[1]) +
            sq((z - a.heartCentre[2]) / a.heartAxes[2]) <=
        1.0)
      break;
    if (sq((x - a.aortaX) / a.aortaRadius) + sq((y - a.aortaY) / a.aortaRadius) <= 1.3) break;
    const double v = (y - l.cy) / l.ly;
    const double wobble = 0.035 * valueNoise(a.textureSeed ^ 0xF155u, {p[0] * 3.0, p[1] * 3.0, p[2] * 3.0});
    const double oblique = l.obliqueA - l.obliqueB * v + l.obliqueC * v * v + wobble;
    std::uint8_t lobe;
    bool fissure = std::fabs(z - oblique) < fissureHalfWidth;
    if (l.side < 0) {
      lobe = static_cast<std::uint8_t>(z < oblique ? Lobe::LLL : Lobe::LUL);
    } else if (z < oblique) {
      lobe = static_cast<std::uint8_t>(Lobe::RLL);
    } else {
      const double horizontal = l.horizontal + 0.04 * v + 0.5 * wobble;
      lobe = static_cast<std::uint8_t>(z < horizontal ? Lobe::RML : Lobe::RUL);
      fissure = fissure || std::fabs(z - horizontal) < fissureHalfWidth;
    }
    return {-875.0f, lobe, fissure};
  }

  // Heart and great vessels.
  if (sq((x - a.heartCentre[0]) / a.heartAxes[0]) + sq((y - a.heartCentre[1]) / a.heartAxes[1]) +
          sq((z - a.heartCentre[2]) / a.heartAxes[2]) <=
      1.0)
    return {45.0f, 0, false};
  if (sq((x - a.aortaX) / a.aortaRadius) + sq((y - a.aortaY) / a.aortaRadius) <= 1.0) return {45.0f, 0, false};

  // Spine: vertebral bodies (cortex and cancellous bone) separated by discs.
  const double vert = sq(x / a.spineAx) + sq((y - a.spineY) / a.spineAy);
  if (vert <= 1.0) {
    const double phase = std::fmod(z / a.discPeriod + a.discPhase + 10.0, 1.0);
    if (phase < 0.18) return {80.0f, 0, false};
    return {vert > 0.72 ? 650.0f : 230.0f, 0, false};
  }
  if (sq(x / 0.035) + sq((y - (a.spineY - a.spineAy - 0.04)) / 0.035) <= 1.0) return {20.0f, 0, false};  // canal
  if (sq(x / 0.06) + sq((y - (a.spineY - a.spineAy - 0.08)) / 0.05) <= 1.0) return {500.0f, 0, false};  // lamina

  // Sternum.
  const double sternumY = a.bodyCy + a.bodyAy - a.fat - 0.05;
  if (std::fabs(x) < 0.06 && std::fabs(y - sternumY) < 0.025 && z < 0.7 && z > -0.6) return {420.0f, 0, false};

  // Ribs: tubes along an ellipse around the lungs, sloping down towards the front.
  const double rho = std::sqrt(sq(x / a.ribAx) + sq((y - a.bodyCy) / a.ribAy));
  const double radial = (rho - 1.0) * 0.6;
  if (std::fabs(radial) < a.ribRadius && !(y > 0.25 && std::fabs(x) < 0.2)) {
    for (double level : a.ribLevels) {
      const double centreZ = level - a.ribSlope * (y - a.bodyCy + a.ribAy);
      if (sq(radial) + sq(z - centreZ) < sq(a.ribRadius)) return {sq(radial) + sq(z - centreZ) > 0.5 * sq(a.ribRadius) ? 750.0f : 300.0f, 0, false};
    }
  }
  return {hu, 0, false};
}

}  // namespace ren::synth
