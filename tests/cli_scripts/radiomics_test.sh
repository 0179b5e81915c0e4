#!/usr/bin/env bash
# `ren radiomics` on the real binary: single-case mode (image + mask -> name,value CSV) on the IBSI
# digital phantom, its errors, and stage mode over a small synthetic cohort (features.csv +
# features.h5, rerun skipped, MPI rank-count independence, resume after a failure).
#
#   radiomics_test.sh REN_BINARY SOURCE_DIR CASE
set -u

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$@"

PHANTOM="$SRC/tests/data/anchors/ibsi1_digital_phantom"
IBSI=(--image "$PHANTOM/phantom.nii.gz" --mask "$PHANTOM/mask.nii.gz" --param binWidth=1 --param minimumROIDimensions=1)

# value NAME: the value printed for feature NAME by the last single-case run.
value() { awk -F, -v n="$1" '$1 == n { print $2 }' "$IO/out"; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# synth DIR: 3 patients (9 scans) of 24 x 24 x Z at 10 mm; stage runs resample them to 4 mm (tiny.toml).
synth() {
  ren synth --out "$1" --patients 3 --size 24 --spacing 10 --seed 5
  [ "$RC" -eq 0 ] || fail "ren synth failed
$(show)"
}
C="$W/cohort"
# stage RUN CSV [ARGS...]: the radiomics stage over a cohort table (tiny.toml).
stage_args() {
  ST=(--config "$TINY" --set "run.dir=$1" --set cohort.source=table --set "cohort.table=$2" --set cohort.labels=auto
    --set run.log_level=info)
}
stage() {
  local run=$1 csv=$2
  shift 2
  stage_args "$run" "$csv"
  ren radiomics "${ST[@]}" "$@"
}
mpistage() {
  local np=$1 run=$2 csv=$3
  shift 3
  stage_args "$run" "$csv"
  mpiren "$np" radiomics "${ST[@]}" "$@"
}

# check_table RUN SCANS: features.csv with scan_id, region, 107 features, status, voxel_count and 7
# rows per scan, regions in order,
# features.h5 with the same shape.
check_table() {
  local run=$1 scans=$2
  expect_file "$run/radiomics/features.csv"
  expect_file "$run/radiomics/features.h5"
  python3 - "$run/radiomics/features.csv" "$scans" >"$IO/py" 2>&1 <<'PY' || fail "features.csv: $(tail -n 3 "$IO/py")"
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1])))
head, body = rows[0], rows[1:]
assert head[:2] == ["scan_id", "region"] and head[-2:] == ["status", "voxel_count"], head
assert len(head) == 111 and head[2] == "original_firstorder_Energy" and head[-3] == "original_ngtdm_Strength", len(head)
assert len(body) == 7 * int(sys.argv[2]), len(body)
for i, r in enumerate(body):
    assert r[1] == ["LUL", "LLL", "RUL", "RML", "RLL", "LEFT", "RIGHT"][i % 7], r[:2]
    status, voxels = r[-2], int(r[-1])
    assert status in ("ok", "empty", "too-small", "too-thin"), status
    vals = [float(v) for v in r[2:-2]]
    if status == "ok":
        assert voxels > 0 and not any(math.isnan(v) for v in vals[:18]), r[:2]
    else:
        assert all(math.isnan(v) for v in vals), r[:2]
# A lung is the union of its lobes: voxel counts add up.
for s in range(0, len(body), 7):
    v = [int(r[-1]) for r in body[s:s + 7]]
    assert v[5] >= v[0] + v[1] and v[6] >= v[2] + v[3] + v[4], v
PY
  h5ls "$run/radiomics/features.h5" >"$IO/h5ls" 2>&1 || fail "h5ls cannot read features.h5"
  grep -qE "^features +Dataset \{$((7 * scans)), 107\}" "$IO/h5ls" || fail "features.h5: $(cat "$IO/h5ls")"
  expect_in "$IO/h5ls" "feature_names"
}

case_radiomics_single() {
  ren radiomics "${IBSI[@]}"
  expect_rc 0
  [ "$(head -n 1 "$IO/out")" = "name,value" ] || fail "no name,value header"
  [ "$(wc -l <"$IO/out")" -eq 108 ] || fail "$(($(wc -l <"$IO/out") - 1)) features instead of 107"
  # IBSI digital phantom references (PyRadiomics conventions: Kurtosis = IBSI + 3).
  near "$(value original_firstorder_Mean)" 2.149 0.001 || fail "Mean $(value original_firstorder_Mean)"
  near "$(value original_firstorder_Kurtosis)" 2.645 0.001 || fail "Kurtosis $(value original_firstorder_Kurtosis)"
  near "$(value original_shape_VoxelVolume)" 592 4 || fail "VoxelVolume $(value original_shape_VoxelVolume)"
  near "$(value original_glcm_JointAverage)" 2.14 0.01 || fail "glcm JointAverage $(value original_glcm_JointAverage)"
  near "$(value original_glszm_ZonePercentage)" 0.0676 0.001 || fail "glszm ZonePercentage"
  near "$(value original_ngtdm_Coarseness)" 0.0296 0.0001 || fail "ngtdm Coarseness"
  cp "$IO/out" "$TMP/all"
  # One class only, more threads: the same values.
  ren radiomics "${IBSI[@]}" --param featureClass=glcm --threads 3
  expect_rc 0
  [ "$(wc -l <"$IO/out")" -eq 25 ] || fail "featureClass=glcm printed $(($(wc -l <"$IO/out") - 1)) features"
  grep '^original_glcm_' "$TMP/all" | diff - <(tail -n +2 "$IO/out") >/dev/null || fail "glcm values differ from the full run"
  # --label picks the ROI: the phantom mask has no label 2.
  ren radiomics "${IBSI[@]}" --label 2
  expect_rc 1
  expect_last_err "no voxel with label 2"
}

case_radiomics_single_bad() {
  ren radiomics --image "$PHANTOM/phantom.nii.gz" --mask "$W/missing.nii.gz"
  expect_rc 1
  expect_last_err "missing.nii.gz"
  ren radiomics --image "$PHANTOM/phantom.nii.gz"
  expect_rc 2
  expect_last_err "--mask"
  ren radiomics "${IBSI[@]}" --param binwidth=3
  expect_rc 2
  expect_last_err "binwidth"
  ren radiomics "${IBSI[@]}" --param weightingNorm=l3
  expect_rc 2
  expect_last_err "no_weighting"
  ren radiomics "${IBSI[@]}" --param featureClass=glcx
  expect_rc 2
  expect_last_err "glcx"
  # A mask on another grid is refused, naming both files.
  synth "$C"
  ren radiomics --image "$PHANTOM/phantom.nii.gz" --mask "$C/$(sed -n 2p "$C/cohort.csv" | cut -d, -f5)"
  expect_rc 1
  expect_last_err "geometry"
  # The phantom is 4 slices thick; minimumROIDimensions 3 passes, a 1-voxel-thick ROI would not.
  ren radiomics --image "$PHANTOM/phantom.nii.gz" --mask "$PHANTOM/mask.nii.gz" --param binWidth=1 --param minimumROISize=100
  expect_rc 1
  expect_last_err "too-small"
}

case_radiomics_stage() {
  synth "$C"
  stage "$W/run" "$C/cohort.csv"
  expect_rc 0
  check_table "$W/run" 9
  [ "$(json_get "$W/run/manifest.json" 'd["stages"]["radiomics"]["status"]')" = "done" ] || fail "stage not done in the manifest"
  expect_in "$W/run/logs/radiomics.log" "stage radiomics: done"
  [ -z "$(find "$W/run/radiomics" -maxdepth 1 -name 'parts-*')" ] || fail "per-scan parts left behind"
  # A rerun is skipped and changes nothing; a changed setting reruns it with other values.
  sha256sum "$W/run/radiomics/features.csv" "$W/run/radiomics/features.h5" >"$TMP/sums"
  stage "$W/run" "$C/cohort.csv"
  expect_rc 0
  sha256sum -c --quiet "$TMP/sums" || fail "a skipped rerun changed the outputs"
  stage "$W/run" "$C/cohort.csv" --set radiomics.bin_width=50
  expect_rc 0
  check_table "$W/run" 9
  ! sha256sum -c --quiet "$TMP/sums" >/dev/null 2>&1 || fail "bin_width 50 gave the same table"
  ren radiomics "${ST[@]}" --set radiomics.distances=0
  expect_rc 2
  expect_last_err "radiomics.distances"
}

case_radiomics_mpi_identical() {
  command -v mpirun >/dev/null 2>&1 || skip "mpirun not found"
  synth "$C"
  stage "$W/one" "$C/cohort.csv"
  expect_rc 0
  mpistage 3 "$W/three" "$C/cohort.csv"
  expect_rc 0
  check_table "$W/three" 9
  cmp "$W/one/radiomics/features.csv" "$W/three/radiomics/features.csv" || fail "features.csv differs between 1 and 3 ranks"
  cmp "$W/one/radiomics/features.h5" "$W/three/radiomics/features.h5" || fail "features.h5 differs between 1 and 3 ranks"
  expect_file "$W/three/logs/radiomics-rank2.log"
}

case_radiomics_resume() {
  synth "$C"
  local image size
  image=$(sed -n 4p "$C/cohort.csv" | cut -d, -f4)
  # Scan 3 of 9 is unreadable: zeros of the same size and modification time, so the inputs'
  # fingerprint (size + mtime) is the same when the file is repaired later.
  cp -p "$C/$image" "$TMP/good.nii.gz"
  size=$(stat -c %s "$C/$image")
  head -c "$size" /dev/zero >"$C/$image"
  touch -r "$TMP/good.nii.gz" "$C/$image"
  stage "$W/run" "$C/cohort.csv" --set run.log_level=debug
  expect_rc 1
  expect_last_err "$(basename "$image")"
  expect_no_file "$W/run/radiomics/features.csv"
  expect_no_file "$W/run/radiomics/features.h5"
  [ "$(json_get "$W/run/manifest.json" 'd["stages"]["radiomics"]["status"]')" = "failed" ] || fail "stage not failed"
  cp -p "$TMP/good.nii.gz" "$C/$image"
  # Scans done before the failure are kept, the rest computed; the table equals a fresh run's.
  stage "$W/run" "$C/cohort.csv" --set run.log_level=debug
  expect_rc 0
  expect_in "$W/run/logs/radiomics.log" "is done, keeping scan-000000.csv"
  expect_in "$W/run/logs/radiomics.log" "is done, keeping scan-000001.csv"
  expect_not_in "$W/run/logs/radiomics.log" "keeping scan-000002.csv"
  check_table "$W/run" 9
  stage "$W/fresh" "$C/cohort.csv"
  expect_rc 0
  cmp "$W/run/radiomics/features.csv" "$W/fresh/radiomics/features.csv" || fail "resumed table differs from a fresh one"
}

CASES="radiomics_single radiomics_single_bad radiomics_stage radiomics_mpi_identical radiomics_resume"

run_case "$CASES"
