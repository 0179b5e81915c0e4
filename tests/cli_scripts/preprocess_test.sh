#!/usr/bin/env bash
# `ren preprocess` on the real binary: shards + index of a small synthetic cohort, resumability,
# MPI (rank-count independent, byte-identical shards), and every kind of bad input the stage must
# refuse (exit 1, the last line naming the file or scan, nothing left that claims to be complete).
#
#   preprocess_test.sh REN_BINARY SOURCE_DIR CASE
#
# Runs one CASE in a fresh temporary directory (removed on exit); prints "PASS CASE", "SKIP CASE:
# reason" (exit 0) or "FAIL CASE: reason" (exit 1). `preprocess_test.sh REN SRC list` prints the cases.
# Inputs are made by the binary itself (`ren synth`); NIfTI edge cases by tools written below with
# the Python standard library only.
set -u

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh" "$@"

# h5_attr SHARD OBJECT ATTR: the values of an attribute as "a b c" (from h5dump's text; no Python,
# which is slow to start on a loaded machine).
h5_attr() {
  local obj=$2
  [ "$obj" = "/" ] && obj=""
  h5dump -a "$obj/$3" "$1" 2>/dev/null | awk '
    /DATA \{/ { inside = 1; next }
    inside && /^[[:space:]]*\}/ { exit }
    inside { sub(/^[[:space:]]*\([0-9,]*\):[[:space:]]*/, ""); gsub(/"/, ""); gsub(/,/, " "); printf "%s ", $0 }' |
    tr -s ' ' | sed 's/^ //; s/ $//'
}

# sums DIR: "name sha256" of every shard of a data directory, sorted (names only, no path).
sums() { (cd "$1" && sha256sum shard-*.h5 2>/dev/null | sort -k2); }
# mtimes DIR: "name mtime(ns)" of every shard.
mtimes() { (cd "$1" && stat -c '%n %.9Y' shard-*.h5 2>/dev/null | sort); }

# NIfTI-1 tool (standard library only): reads .nii / .nii.gz, writes uncompressed .nii with a
# 348-byte header, 4 extension bytes, vox_offset 352 and an sform (sform_code 1, qform_code 0).
cat >"$TMP/nii.py" <<'EOF'
import gzip, math, struct, sys

def load(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    e = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
    dim = struct.unpack(e + "8h", raw[40:56])
    datatype = struct.unpack(e + "h", raw[70:72])[0]
    pixdim = struct.unpack(e + "8f", raw[76:108])
    off = int(struct.unpack(e + "f", raw[108:112])[0])
    slope, inter = struct.unpack(e + "2f", raw[112:120])
    qform, sform = struct.unpack(e + "2h", raw[252:256])
    srow = struct.unpack(e + "12f", raw[280:328])
    if sform <= 0:
        sys.exit("nii.py: only sform images are supported: " + path)
    codes = {2: "B", 4: "h", 8: "i", 16: "f", 64: "d", 256: "b", 512: "H", 768: "I"}
    fmt = codes[datatype]
    shape = [dim[i] for i in range(1, dim[0] + 1)]
    n = 1
    for s in shape:
        n *= s
    vals = list(struct.unpack(e + str(n) + fmt, raw[off:off + n * struct.calcsize(fmt)]))
    if slope not in (0.0, 1.0) or inter != 0.0:
        vals = [v * (slope or 1.0) + inter for v in vals]
    return {"shape": shape, "spacing": list(pixdim[1:1 + len(shape)]), "srow": list(srow),
            "datatype": datatype, "vals": vals}

def save(img, path, datatype=None):
    datatype = datatype or img["datatype"]
    fmt, bitpix = {2: ("B", 8), 4: ("h", 16), 8: ("i", 32), 16: ("f", 32), 64: ("d", 64)}[datatype]
    shape = img["shape"]
    dim = [len(shape)] + shape + [1] * (7 - len(shape))
    pix = [1.0] + img["spacing"] + [1.0] * (7 - len(img["spacing"]))  # a 2-D image keeps pixdim[3]
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    struct.pack_into("<8h", h, 40, *dim)
    struct.pack_into("<hh", h, 70, datatype, bitpix)
    struct.pack_into("<8f", h, 76, *pix)
    struct.pack_into("<f", h, 108, 352.0)
    struct.pack_into("<2f", h, 112, 1.0, 0.0)
    h[123] = 2  # xyzt_units: mm
    struct.pack_into("<2h", h, 252, 0, 1)
    struct.pack_into("<12f", h, 280, *img["srow"])
    h[344:348] = b"n+1\0"
    with open(path, "wb") as f:
        f.write(bytes(h) + b"\0\0\0\0")
        f.write(struct.pack("<" + str(len(img["vals"])) + fmt, *img["vals"]))

op, src = sys.argv[1], sys.argv[2]
img = load(src)
if op == "labels":          # labels IN: the distinct values
    print(" ".join(str(int(v)) for v in sorted(set(img["vals"]))))
elif op == "copy":          # copy IN OUT [DATATYPE]: rewrite uncompressed (optionally as float32: 16)
    save(img, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else None)
elif op == "shift":         # shift IN OUT ADD: every non-zero label + ADD
    add = int(sys.argv[4])
    img["vals"] = [v + add if v else 0 for v in img["vals"]]
    save(img, sys.argv[3])
elif op == "drop":          # drop IN OUT LABEL: that label -> 0
    lab = int(sys.argv[4])
    img["vals"] = [0 if v == lab else v for v in img["vals"]]
    save(img, sys.argv[3])
elif op == "nan":           # nan IN OUT: float32 with the central voxel NaN
    nx, ny, nz = img["shape"]
    img["vals"] = [float(v) for v in img["vals"]]
    img["vals"][nx // 2 + nx * (ny // 2 + ny * (nz // 2))] = float("nan")
    save(img, sys.argv[3], 16)
elif op == "slice2d":       # slice2d IN OUT: the middle axial slice as a 2-D image (dim[0] = 2)
    nx, ny, nz = img["shape"]
    k = nz // 2
    img["vals"] = img["vals"][nx * ny * k:nx * ny * (k + 1)]
    img["shape"] = [nx, ny]
    save(img, sys.argv[3])
elif op == "spacing":       # spacing IN OUT FACTOR: every voxel size times FACTOR (origin kept)
    f = float(sys.argv[4])
    img["spacing"] = [s * f for s in img["spacing"]]
    for r in range(3):
        for c in range(3):
            img["srow"][4 * r + c] *= f
    save(img, sys.argv[3])
elif op == "truncate":      # truncate IN OUT: header intact, half of the voxel data
    save(img, sys.argv[3])
    data = open(sys.argv[3], "rb").read()
    open(sys.argv[3], "wb").write(data[:352 + (len(data) - 352) // 2])
else:
    sys.exit("nii.py: unknown operation " + op)
EOF
nii() { python3 "$TMP/nii.py" "$@" || fail "nii.py $* failed"; }

# ---------------------------------------------------------------------------------------------
# Inputs and runs

# synth DIR [PATIENTS [ARGS...]]: a small valid cohort (3 patients: 9 scans of 24x24xZ at 10 mm).
synth() {
  local dir=$1 patients=${2:-3}
  shift
  [ $# -gt 0 ] && shift
  ren synth --out "$dir" --patients "$patients" --size 24 --spacing 10 --seed 5 "$@"
  [ "$RC" -eq 0 ] || fail "ren synth failed
$(show)"
}
C="$W/cohort"  # the default cohort
HEADER="scan_id,patient_id,label,image,lobes,site"
# row N: the N-th data row of the default cohort.csv.
row() { sed -n "$(($1 + 1))p" "$C/cohort.csv"; }
scan_of() { row "$1" | cut -d, -f1; }

# pp RUN CSV [ARGS...]: `ren preprocess` of the cohort table CSV into RUN (tiny.toml, auto labels).
pp_args() {
  PP=(--config "$TINY" --set "run.dir=$1" --set cohort.source=table --set "cohort.table=$2"
    --set cohort.labels=auto --set run.log_level=info)
}
pp() {
  local run=$1 csv=$2
  shift 2
  pp_args "$run" "$csv"
  ren preprocess "${PP[@]}" "$@"
}
mpipp() {
  local np=$1 run=$2 csv=$3
  shift 3
  pp_args "$run" "$csv"
  mpiren "$np" preprocess "${PP[@]}" "$@"
}

# shard_count DATA_DIR: number of shard-NNNN.h5 files.
shard_count() { find "$1" -maxdepth 1 -name 'shard-*.h5' 2>/dev/null | wc -l; }

# check_ok RUN CSV: a successful preprocess: every scan of CSV in the index (and no other), every
# shard it names complete, the stage done in the manifest.
check_ok() {
  local run=$1 csv=$2 data="$1/data" shards shard
  expect_file "$data/index.json"
  shards=$(python3 - "$csv" "$data/index.json" "$run/manifest.json" <<'PY'
import csv, json, sys
ids = sorted(r["scan_id"] for r in csv.DictReader(open(sys.argv[1])))
index = json.load(open(sys.argv[2]))
status = json.load(open(sys.argv[3]))["stages"]["preprocess"]["status"]
if sorted(index["scans"]) != ids:
    sys.exit("index.json lists %s, the cohort %s" % (sorted(index["scans"]), ids))
if status != "done":
    sys.exit("preprocess is '%s' in the manifest, not done" % status)
print(" ".join(sorted(set(index["scans"].values()))))
PY
  ) || fail "after: $LAST: $shards"
  for shard in $shards; do
    expect_file "$data/$shard"
    [ "$(h5_attr "$data/$shard" / complete)" = "1" ] || fail "$shard is not marked complete"
  done
}

# same_index A B: the scan -> shard maps, fingerprints and region-set limits of two index.json agree.
same_index() {
  python3 - "$1" "$2" <<'PY' || fail "index.json differs: $1 vs $2"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: (d["scans"], d["fingerprint"], d["region_set_limit"])
sys.exit(0 if key(a) == key(b) else 1)
PY
}

# counts_are "A B C ..." "PATTERN": region counts against a pattern of 0 (must be 0) and + (> 0).
counts_are() {
  local -a v p
  read -ra v <<<"$1"
  read -ra p <<<"$2"
  [ "${#v[@]}" -eq "${#p[@]}" ] || return 1
  local i
  for i in "${!p[@]}"; do
    case "${p[$i]}" in
      0) [ "${v[$i]}" -eq 0 ] || return 1 ;;
      +) [ "${v[$i]}" -gt 0 ] || return 1 ;;
    esac
  done
}

# check_refused RUN WHAT...: a refused run: exit 1, the last stderr line contains every WHAT, no
# index, no shard under its final name, the stage recorded as failed.
check_refused() {
  local run=$1 what
  shift
  expect_rc 1
  for what in "$@"; do expect_last_err "$what"; done
  expect_no_file "$run/data/index.json"
  [ "$(shard_count "$run/data")" -eq 0 ] || fail "a refused run left shards: $(ls -A "$run/data")"
  [ "$(json_get "$run/manifest.json" 'd["stages"]["preprocess"]["status"]')" = "failed" ] ||
    fail "preprocess not recorded as failed in the manifest"
}

# bad_cohort NAME ROW: $C/NAME.csv = two good scans (rows 1 and 2) + ROW (paths relative to $C).
bad_cohort() {
  { echo "$HEADER"; row 1; row 2; echo "$2"; } >"$C/$1.csv"
}

# ---------------------------------------------------------------------------------------------
# Cases

case_preprocess_ok() {
  synth "$C"
  local run="$W/run" n id
  local sets=(--set preprocess.shard_scans=8 --set preprocess.grid=24)  # tiny.toml's, made explicit
  pp "$run" "$C/cohort.csv" "${sets[@]}"
  expect_rc 0
  check_ok "$run" "$C/cohort.csv"
  # 9 scans at 8 per shard: two shards, nothing else in RUN/data.
  n=$(shard_count "$run/data")
  [ "$n" -eq 2 ] || fail "$n shards for 9 scans at 8 per shard"
  [ "$(ls -A "$run/data" | tr '\n' ' ')" = "index.json shard-0000.h5 shard-0001.h5 " ] ||
    fail "RUN/data holds: $(ls -A "$run/data" | tr '\n' ' ')"
  h5ls -r "$run/data/shard-0000.h5" >"$IO/h5ls" 2>&1 || fail "h5ls cannot read shard-0000.h5: $(cat "$IO/h5ls")"
  id=$(scan_of 1)
  expect_in "$IO/h5ls" "/scans/$id/image"
  expect_in "$IO/h5ls" "/scans/$id/lobes"
  grep -qE "/scans/$id/image +Dataset \{24, 24, 24\}" "$IO/h5ls" || fail "image is not 24^3 (preprocess.grid): $(cat "$IO/h5ls")"
  [ "$(grep -c '/image ' "$IO/h5ls")" -eq 8 ] || fail "shard-0000.h5 does not hold 8 images"
  [ "$(h5_attr "$run/data/shard-0000.h5" / scan_count)" = "8" ] || fail "shard-0000.h5 scan_count is not 8"
  [ "$(h5_attr "$run/data/shard-0000.h5" "/scans/$id" patient_id)" = "$(row 1 | cut -d, -f2)" ] || fail "patient_id attribute"
  [ "$(h5_attr "$run/data/shard-0000.h5" / fingerprint)" = "$(json_get "$run/data/index.json" 'd["fingerprint"]')" ] ||
    fail "shard and index fingerprints differ"
  expect_file "$run/logs/preprocess.log"
  expect_in "$run/logs/preprocess.log" "stage preprocess: done"
  # A rerun skips the stage and leaves every file as it is.
  sums "$run/data" >"$TMP/sums"
  mtimes "$run/data" >"$TMP/mtimes"
  cp -p "$run/data/index.json" "$TMP/index.json"
  pp "$run" "$C/cohort.csv" "${sets[@]}"
  expect_rc 0
  expect_in "$IO/all" "stage preprocess: complete"
  expect_in "$IO/all" "skipping"
  expect_not_in "$IO/all" "wrote shard"
  sums "$run/data" | cmp -s - "$TMP/sums" || fail "shards changed on a rerun"
  mtimes "$run/data" | cmp -s - "$TMP/mtimes" || fail "shards rewritten on a rerun"
  cmp -s "$run/data/index.json" "$TMP/index.json" || fail "index.json changed on a rerun"
  [ "$(json_get "$run/manifest.json" 'd["stages"]["preprocess"]["attempts"]')" = "1" ] || fail "preprocess ran again"
}

case_preprocess_mpi_identical() {
  command -v mpirun >/dev/null 2>&1 || skip "mpirun not found"
  synth "$C"
  pp "$W/one" "$C/cohort.csv" --set preprocess.shard_scans=2
  expect_rc 0
  check_ok "$W/one" "$C/cohort.csv"
  mpipp 3 "$W/three" "$C/cohort.csv" --set preprocess.shard_scans=2
  expect_rc 0
  check_ok "$W/three" "$C/cohort.csv"
  [ "$(shard_count "$W/one/data")" -eq 5 ] || fail "$(shard_count "$W/one/data") shards for 9 scans at 2 per shard"
  sums "$W/one/data" >"$TMP/one"
  sums "$W/three/data" >"$TMP/three"
  diff "$TMP/one" "$TMP/three" >"$IO/diff" || fail "shards differ between 1 and 3 ranks:
$(cat "$IO/diff")"
  same_index "$W/one/data/index.json" "$W/three/data/index.json"
  expect_file "$W/three/logs/preprocess.log"
  expect_file "$W/three/logs/preprocess-rank1.log"
  expect_file "$W/three/logs/preprocess-rank2.log"
  # Rank r builds shards r, r + 3, ...: rank 1 wrote shards 1 and 4, and only those.
  expect_in "$W/three/logs/preprocess-rank1.log" "wrote shard-0001.h5"
  expect_in "$W/three/logs/preprocess-rank1.log" "wrote shard-0004.h5"
  [ "$(grep -c "wrote shard-" "$W/three/logs/preprocess-rank1.log")" -eq 2 ] || fail "rank 1 did not write exactly 2 shards"
  [ "$(json_get "$W/three/manifest.json" 'd["stages"]["preprocess"]["ranks"]')" = "3" ] || fail "manifest does not record 3 ranks"
  # A rerun under mpirun skips the stage on every rank.
  mpipp 3 "$W/three" "$C/cohort.csv" --set preprocess.shard_scans=2
  expect_rc 0
  expect_in "$IO/all" "skipping"
  expect_not_in "$IO/all" "wrote shard"
  sums "$W/three/data" | cmp -s - "$TMP/three" || fail "shards changed on an MPI rerun"
}

case_preprocess_resume() {
  synth "$C"
  local run="$W/run" data="$W/run/data" size
  pp "$run" "$C/cohort.csv" --set preprocess.shard_scans=2
  expect_rc 0
  check_ok "$run" "$C/cohort.csv"
  sums "$data" >"$TMP/sums"
  mtimes "$data" >"$TMP/mtimes"
  # A crash: one shard half-written, no index, the stage still "running" in the manifest.
  size=$(stat -c %s "$data/shard-0002.h5")
  truncate -s $((size / 2)) "$data/shard-0002.h5"
  rm -f "$data/index.json"
  python3 - "$run/manifest.json" <<'PY' || fail "cannot edit the manifest"
import json, sys
m = json.load(open(sys.argv[1]))
m["stages"]["preprocess"]["status"] = "running"
m["stages"]["preprocess"].pop("finished", None)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
  pp "$run" "$C/cohort.csv" --set preprocess.shard_scans=2
  expect_rc 0
  check_ok "$run" "$C/cohort.csv"
  expect_in "$IO/all" "wrote shard-0002.h5"
  [ "$(grep -c "wrote shard-" "$IO/all")" -eq 1 ] || fail "expected only shard-0002.h5 to be rebuilt
$(show)"
  [ "$(grep -c "complete, keeping it" "$IO/all")" -eq 4 ] || fail "expected the 4 whole shards to be kept
$(show)"
  sums "$data" | cmp -s - "$TMP/sums" || fail "the rebuilt shards differ from the originals:
$(sums "$data" | diff "$TMP/sums" -)"
  mtimes "$data" | grep -v shard-0002 >"$TMP/m2"
  grep -v shard-0002 "$TMP/mtimes" | cmp -s - "$TMP/m2" || fail "whole shards were rewritten:
$(mtimes "$data" | diff "$TMP/mtimes" -)"
  # Garbage under a final shard name (the manifest still says done, but the index is gone): rebuilt.
  head -c 4096 /dev/urandom >"$data/shard-0004.h5"
  rm -f "$data/index.json"
  pp "$run" "$C/cohort.csv" --set preprocess.shard_scans=2
  expect_rc 0
  check_ok "$run" "$C/cohort.csv"
  sums "$data" | cmp -s - "$TMP/sums" || fail "a garbage shard was not rebuilt as before"
}

# Killed midway under mpirun (6 patients, one scan per shard): the rerun finishes the job and the
# result is byte-identical to a clean run.
case_preprocess_resume_killed() {
  command -v mpirun >/dev/null 2>&1 || skip "mpirun not found"
  local killed="$W/killed" clean="$W/clean" total i n
  synth "$C" 6
  total=$(($(wc -l <"$C/cohort.csv") - 1))
  local sets=(--set preprocess.shard_scans=1 --set preprocess.iso_spacing=2 --set run.threads=1)
  pp "$clean" "$C/cohort.csv" "${sets[@]}"
  expect_rc 0
  check_ok "$clean" "$C/cohort.csv"
  [ "$(shard_count "$clean/data")" -eq "$total" ] || fail "$(shard_count "$clean/data") shards for $total scans at 1 per shard"

  pp_args "$killed" "$C/cohort.csv"
  mpirun --allow-run-as-root --oversubscribe -np 2 "$REN" preprocess "${PP[@]}" "${sets[@]}" >"$IO/bg" 2>&1 &
  BG_PID=$!
  for i in $(seq 1 1500); do
    [ "$(shard_count "$killed/data")" -gt 0 ] && break
    kill -0 "$BG_PID" 2>/dev/null || break
    sleep 0.02
  done
  n=$(shard_count "$killed/data")
  [ "$n" -gt 0 ] || fail "no shard appeared in the background run: $(tail -n 5 "$IO/bg")"
  # A crash: SIGKILL to the ranks (the children of this mpirun), then mpirun itself.
  local ranks
  ranks=$(ps -o pid= --ppid "$BG_PID" 2>/dev/null | xargs)
  [ -n "$ranks" ] && kill -KILL $ranks 2>/dev/null
  kill -TERM "$BG_PID" 2>/dev/null
  wait "$BG_PID" 2>/dev/null
  BG_PID=""
  if [ -n "$ranks" ]; then
    for i in $(seq 1 100); do  # every rank gone: no writer left behind
      [ -z "$(ps -o pid= -p "${ranks// /,}" 2>/dev/null)" ] && break
      sleep 0.05
    done
  fi
  n=$(shard_count "$killed/data")
  if [ "$n" -lt "$total" ]; then
    expect_no_file "$killed/data/index.json"
  else
    echo "(note: the background run had written every shard before it was killed)"
  fi
  mtimes "$killed/data" >"$TMP/before"
  mpipp 2 "$killed" "$C/cohort.csv" "${sets[@]}"
  expect_rc 0
  check_ok "$killed" "$C/cohort.csv"
  # Shards under their final name are whole (temp name + rename): all of them are kept.
  local kept
  kept=$(mtimes "$killed/data" | grep -cxF -f "$TMP/before" || true)
  [ "$kept" -eq "$n" ] || fail "only $kept of the $n shards of the killed run were kept (not rewritten)"
  sums "$killed/data" >"$TMP/killed"
  sums "$clean/data" | diff "$TMP/killed" - >"$IO/diff" || fail "a killed and resumed run differs from a clean one:
$(cat "$IO/diff")"
  same_index "$killed/data/index.json" "$clean/data/index.json"
}

# --- bad input: exit 1, the last line names the file or scan, nothing claims completeness ---

case_preprocess_bad_missing_image() {
  synth "$C"
  bad_cohort bad "BAD-1,PB,0,images/NOPE.nii.gz,$(row 3 | cut -d, -f5),site0"
  pp "$W/run" "$C/bad.csv"
  check_refused "$W/run" "BAD-1" "NOPE.nii.gz"
  # The same for a missing lobe map.
  bad_cohort bad2 "BAD-2,PB,0,$(row 3 | cut -d, -f4),lobes/NOPE.nii.gz,site0"
  pp "$W/run2" "$C/bad2.csv"
  check_refused "$W/run2" "BAD-2" "NOPE.nii.gz"
}

case_preprocess_bad_truncated() {
  synth "$C"
  local image lobes size
  image=$(row 3 | cut -d, -f4)
  lobes=$(row 3 | cut -d, -f5)
  mkdir -p "$C/bad"
  # (1) a .nii.gz cut in half
  size=$(stat -c %s "$C/$image")
  head -c $((size / 2)) "$C/$image" >"$C/bad/half.nii.gz"
  bad_cohort bad1 "BAD-1,PB,0,bad/half.nii.gz,$lobes,site0"
  pp "$W/run1" "$C/bad1.csv"
  check_refused "$W/run1" "half.nii.gz"
  # (2) an uncompressed .nii whose voxel data stops halfway
  nii truncate "$C/$image" "$C/bad/short.nii"
  bad_cohort bad2 "BAD-2,PB,0,bad/short.nii,$lobes,site0"
  pp "$W/run2" "$C/bad2.csv"
  check_refused "$W/run2" "short.nii"
  # (3) not an image at all
  echo "this is not a NIfTI file" | gzip >"$C/bad/garbage.nii.gz"
  bad_cohort bad3 "BAD-3,PB,0,bad/garbage.nii.gz,$lobes,site0"
  pp "$W/run3" "$C/bad3.csv"
  check_refused "$W/run3" "garbage.nii.gz"
  # (4) a truncated lobe map
  size=$(stat -c %s "$C/$lobes")
  head -c $((size / 2)) "$C/$lobes" >"$C/bad/halflobes.nii.gz"
  bad_cohort bad4 "BAD-4,PB,0,$image,bad/halflobes.nii.gz,site0"
  pp "$W/run4" "$C/bad4.csv"
  check_refused "$W/run4" "halflobes.nii.gz"
}

case_preprocess_bad_geometry() {
  synth "$C"
  local image lobes last
  image=$(row 3 | cut -d, -f4)
  lobes=$(row 3 | cut -d, -f5)
  mkdir -p "$C/bad"
  # Control: the lobe map rewritten by nii.py with its own geometry is accepted.
  nii copy "$C/$lobes" "$C/bad/same.nii"
  # Voxels 10 % larger in the lobe map (10 mm -> 11 mm in-plane).
  nii spacing "$C/$lobes" "$C/bad/wide.nii" 1.1
  { echo "$HEADER"; row 1; row 2; echo "OK-1,PB,0,$image,bad/same.nii,site0"; } >"$C/ok.csv"
  pp "$W/ok" "$C/ok.csv"
  expect_rc 0
  check_ok "$W/ok" "$C/ok.csv"
  bad_cohort bad "BAD-1,PB,0,$image,bad/wide.nii,site0"
  pp "$W/run" "$C/bad.csv"
  check_refused "$W/run" "BAD-1" "geometry"
  last=$(last_err)
  [ "$(grep -o "spacing" <<<"$last" | wc -l)" -ge 2 ] || fail "the message does not show both geometries: $last"
  case "$last" in *"(10, 10"*"(11, 11"* | *"(11, 11"*"(10, 10"*) ;; *) fail "the message does not show both spacings (10 and 11 mm): $last" ;; esac
}

case_preprocess_bad_convention() {
  synth "$C"
  local image lobes
  image=$(row 3 | cut -d, -f4)
  lobes=$(row 3 | cut -d, -f5)
  mkdir -p "$C/bad"
  # lungmask 1..5 -> 10..14 (TotalSegmentator v2 numbers) while the config declares lungmask.
  nii shift "$C/$lobes" "$C/bad/shifted.nii" 9
  [ "$(nii labels "$C/bad/shifted.nii")" = "0 10 11 12 13 14" ] || fail "shifted lobe map has labels $(nii labels "$C/bad/shifted.nii")"
  bad_cohort bad "BAD-1,PB,0,$image,bad/shifted.nii,site0"
  pp "$W/run" "$C/bad.csv" --set cohort.labels=lungmask
  check_refused "$W/run" "shifted.nii" "another convention"
  # With auto: labels of no known convention (41..45) are refused too.
  nii shift "$C/$lobes" "$C/bad/odd.nii" 40
  bad_cohort bad2 "BAD-2,PB,0,$image,bad/odd.nii,site0"
  pp "$W/run2" "$C/bad2.csv"
  check_refused "$W/run2" "odd.nii" "convention"
}

case_preprocess_bad_nan() {
  synth "$C"
  local image lobes
  image=$(row 3 | cut -d, -f4)
  lobes=$(row 3 | cut -d, -f5)
  mkdir -p "$C/bad"
  # Control: the same image as float32 without NaN is accepted.
  nii copy "$C/$image" "$C/bad/float.nii" 16
  nii nan "$C/$image" "$C/bad/nan.nii"
  { echo "$HEADER"; row 1; row 2; echo "OK-1,PB,0,bad/float.nii,$lobes,site0"; } >"$C/ok.csv"
  pp "$W/ok" "$C/ok.csv"
  expect_rc 0
  check_ok "$W/ok" "$C/ok.csv"
  bad_cohort bad "BAD-1,PB,0,bad/nan.nii,$lobes,site0"
  pp "$W/run" "$C/bad.csv"
  check_refused "$W/run" "nan.nii" "NaN"
}

case_preprocess_bad_2d() {
  synth "$C"
  local last
  mkdir -p "$C/bad"
  nii slice2d "$C/$(row 3 | cut -d, -f4)" "$C/bad/flat.nii"
  # Without a lobe map, so that nothing but the image can be blamed.
  bad_cohort bad "BAD-1,PB,0,bad/flat.nii,,site0"
  pp "$W/run" "$C/bad.csv"
  check_refused "$W/run" "flat.nii"
  last=$(last_err)
  case "$last" in *2D* | *2-D* | *"3D image is needed"*) ;; *) fail "the message does not say the image is 2D: $last" ;; esac
}

case_preprocess_bad_duplicate_id() {
  synth "$C"
  local last
  # Data row 3 repeats the id of data row 1.
  { echo "$HEADER"; row 1; row 2; row 3 | sed "s/^[^,]*,/$(scan_of 1),/"; } >"$C/dup.csv"
  pp "$W/run" "$C/dup.csv"
  check_refused "$W/run" "dup.csv" "$(scan_of 1)" "duplicate"
  last=$(last_err)
  case "$last" in *"row 3"* | *"line 4"*) ;; *) fail "the message does not name the duplicate row: $last" ;; esac
}

case_preprocess_bad_label_value() {
  synth "$C"
  local last
  { echo "$HEADER"; row 1; row 2 | awk -F, -v OFS=, '{$3 = 2; print}'; row 3; } >"$C/label.csv"
  pp "$W/run" "$C/label.csv"
  check_refused "$W/run" "label.csv" "label"
  last=$(last_err)
  case "$last" in *"row 2"* | *"line 3"* | *"$(scan_of 2)"*) ;; *) fail "the message does not name the bad row: $last" ;; esac
}

# A bad scan in a later shard under MPI: every rank stops, exit 1, no index; the shards written
# before are whole and hold good scans only, the bad scan's shard does not exist.
case_preprocess_bad_mpi() {
  command -v mpirun >/dev/null 2>&1 || skip "mpirun not found"
  synth "$C"
  local f
  mkdir -p "$C/bad"
  nii slice2d "$C/$(row 3 | cut -d, -f4)" "$C/bad/flat.nii"
  { echo "$HEADER"; row 1; row 2; row 4; row 5; echo "BAD-1,PB,0,bad/flat.nii,,site0"; } >"$C/bad.csv"
  mpipp 2 "$W/run" "$C/bad.csv" --set preprocess.shard_scans=2
  expect_rc 1
  expect_in "$IO/err" "flat.nii"
  expect_no_file "$W/run/data/index.json"
  expect_no_file "$W/run/data/shard-0002.h5"
  for f in "$W"/run/data/shard-*.h5; do
    [ -e "$f" ] || continue
    if h5ls -r "$f" | grep -q BAD-1; then fail "$(basename "$f") holds the bad scan"; fi
  done
  [ "$(json_get "$W/run/manifest.json" 'd["stages"]["preprocess"]["status"]')" = "failed" ] ||
    fail "preprocess not recorded as failed"
}

# --- legal oddities ---

# missing_lobe_case LABELS: one lobe map without RML (lungmask label 4), cohort.labels=LABELS.
missing_lobe_case() {
  synth "$C"
  local id lobes counts
  id=$(scan_of 1)
  lobes=$(row 1 | cut -d, -f5)
  mkdir -p "$C/odd"
  nii drop "$C/$lobes" "$C/odd/no-rml.nii" 4
  [ "$(nii labels "$C/odd/no-rml.nii")" = "0 1 2 3 5" ] || fail "edited lobe map has labels $(nii labels "$C/odd/no-rml.nii")"
  { echo "$HEADER"; row 1 | awk -F, -v OFS=, '{$5 = "odd/no-rml.nii"; print}'; row 2; row 3; } >"$C/odd.csv"
  pp "$W/run" "$C/odd.csv" --set "cohort.labels=$1"
  expect_rc 0
  check_ok "$W/run" "$C/odd.csv"
  grep -F "$id" "$IO/all" | grep -i "warn" | grep -qF "RML" || fail "no warning naming RML for $id
$(show)"
  # Regions LUL LLL RUL RML RLL LEFT RIGHT: RML (index 3) is 0, the others are not.
  counts=$(h5_attr "$W/run/data/shard-0000.h5" "/scans/$id" region_voxels_1mm)
  counts_are "$counts" "+ + + 0 + + +" || fail "region_voxels_1mm of $id is '$counts' (expected only RML = 0)"
  counts=$(h5_attr "$W/run/data/shard-0000.h5" "/scans/$id" region_voxels_grid)
  counts_are "$counts" "+ + + 0 + + +" || fail "region_voxels_grid of $id is '$counts' (expected only RML = 0)"
  counts=$(h5_attr "$W/run/data/shard-0000.h5" "/scans/$(scan_of 2)" region_voxels_1mm)
  counts_are "$counts" "+ + + + + + +" || fail "region_voxels_1mm of an intact scan is '$counts'"
  [ "$(h5_attr "$W/run/data/shard-0000.h5" "/scans/$id" label_convention)" = "lungmask" ] || fail "label_convention of $id is not lungmask"
  [ "$(json_get "$W/run/data/index.json" 'd["region_set_limit"]')" = "" ] || fail "region_set_limit set though every scan has a lobe map"
}
case_preprocess_missing_lobe() { missing_lobe_case lungmask; }
# The same with cohort.labels = auto: {1, 2, 3, 5} fits lungmask only, so the convention is still
# clear (LobeMap.h: "a missing lobe is legal and recorded").
case_preprocess_missing_lobe_auto() { missing_lobe_case auto; }

case_preprocess_no_lobe_map() {
  synth "$C"
  local id shard="$W/run/data/shard-0000.h5" counts
  id=$(scan_of 2)
  { echo "$HEADER"; row 1; row 2 | awk -F, -v OFS=, '{$5 = ""; print}'; row 3; } >"$C/nolobes.csv"
  pp "$W/run" "$C/nolobes.csv"
  expect_rc 0
  check_ok "$W/run" "$C/nolobes.csv"
  [ "$(json_get "$W/run/data/index.json" 'd["region_set_limit"]')" = "lungs" ] ||
    fail "region_set_limit is '$(json_get "$W/run/data/index.json" 'd["region_set_limit"]')', expected lungs"
  [ "$(h5_attr "$shard" "/scans/$id" lobes_absent)" = "1" ] || fail "lobes_absent is not 1 for $id"
  [ "$(h5_attr "$shard" "/scans/$id" label_convention)" = "lung-fallback" ] || fail "label_convention of $id is not lung-fallback"
  [ "$(h5_attr "$shard" "/scans/$(scan_of 1)" lobes_absent)" = "0" ] || fail "lobes_absent is not 0 for a scan with a lobe map"
  # No lobes, both lungs found by the fallback segmentation.
  counts=$(h5_attr "$shard" "/scans/$id" region_voxels_1mm)
  counts_are "$counts" "0 0 0 0 0 + +" || fail "region_voxels_1mm of $id is '$counts' (expected no lobes, both lungs)"
  grep -F "$id" "$IO/all" | grep -qi "warn" || fail "no warning for $id without a lobe map"
}

case_preprocess_totalseg() {
  synth "$C"
  synth "$W/ts" 3 --labels totalseg-v2
  local a="$W/auto" d="$W/declared" s
  pp "$a" "$W/ts/cohort.csv"
  expect_rc 0
  check_ok "$a" "$W/ts/cohort.csv"
  pp "$d" "$W/ts/cohort.csv" --set cohort.labels=totalseg-v2
  expect_rc 0
  check_ok "$d" "$W/ts/cohort.csv"
  # The shards differ only in the stage fingerprint (cohort.labels is part of it): everything under
  # /scans is identical, the detected convention included.
  [ "$(shard_count "$a/data")" -eq 2 ] || fail "expected 2 shards"
  for s in shard-0000.h5 shard-0001.h5; do
    h5dump -g /scans "$a/data/$s" | tail -n +2 >"$TMP/a.txt"
    h5dump -g /scans "$d/data/$s" | tail -n +2 >"$TMP/d.txt"
    grep -q 'DATASET "image"' "$TMP/a.txt" || fail "h5dump of $s shows no image"
    cmp -s "$TMP/a.txt" "$TMP/d.txt" || fail "/scans of $s differs between cohort.labels=auto and totalseg-v2"
  done
  [ "$(h5_attr "$a/data/shard-0000.h5" "/scans/$(scan_of 1)" label_convention)" = "totalseg-v2" ] || fail "auto did not detect totalseg-v2"
  # The lungmask cohort of the same seed gives the same canonical label maps.
  pp "$W/lm" "$C/cohort.csv"
  expect_rc 0
  h5dump -d "/scans/$(scan_of 1)/lobes" "$W/lm/data/shard-0000.h5" | tail -n +2 >"$TMP/lm.txt"
  h5dump -d "/scans/$(scan_of 1)/lobes" "$a/data/shard-0000.h5" | tail -n +2 >"$TMP/ts.txt"
  cmp -s "$TMP/lm.txt" "$TMP/ts.txt" || fail "canonical lobes differ between the lungmask and totalseg-v2 cohorts"
  # Declared lungmask on TotalSegmentator maps: refused, naming the lobe map.
  pp "$W/wrong" "$W/ts/cohort.csv" --set cohort.labels=lungmask
  check_refused "$W/wrong" "lobe map" ".nii.gz" "another convention"
}

CASES="preprocess_ok preprocess_mpi_identical preprocess_resume preprocess_resume_killed
preprocess_bad_missing_image preprocess_bad_truncated preprocess_bad_geometry preprocess_bad_convention
preprocess_bad_nan preprocess_bad_2d preprocess_bad_duplicate_id preprocess_bad_label_value preprocess_bad_mpi
preprocess_missing_lobe preprocess_missing_lobe_auto preprocess_no_lobe_map preprocess_totalseg"

run_case "$CASES"
