# Shared harness of the CLI test scripts (cli_test.sh, preprocess_test.sh, radiomics_test.sh), sourced with the
# script's own arguments:  source harness.sh REN_BINARY SOURCE_DIR CASE
# Sets REN, SRC, CASE, TINY, TMP (removed on exit), IO (captured output), W (working directory) and
# defines ren/mpiren (run the binary, capturing RC and output), fail/skip and the expect_* checks.
if [ $# -ne 3 ]; then
  echo "usage: $0 REN_BINARY SOURCE_DIR CASE" >&2
  exit 2
fi
REN=$1
SRC=$2
CASE=$3
case "$REN" in /*) ;; *) REN="$PWD/$REN" ;; esac
case "$SRC" in /*) ;; *) SRC="$PWD/$SRC" ;; esac
TINY="$SRC/configs/tiny.toml"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ren-cli-test.XXXXXX") || {
  echo "FAIL $CASE: cannot create a temporary directory"
  exit 1
}
BG_PID=""  # a background process a case started (killed on exit)
cleanup() {
  if [ -n "$BG_PID" ]; then kill -KILL "$BG_PID" 2>/dev/null; wait "$BG_PID" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
IO="$TMP/io"    # captured output of the last command
W="$TMP/work"   # working directory of every ren call (relative paths land here)
mkdir -p "$IO" "$W"
cd "$W" || exit 1

# Open MPI refuses to run as root without these (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

fail() {
  echo "FAIL $CASE: $*"
  exit 1
}
skip() {
  echo "SKIP $CASE: $*"
  exit 0
}

# ren ARGS...: runs the binary; sets RC, stdout in $IO/out, stderr in $IO/err, both in $IO/all.
LAST=""
ren() {
  LAST="ren $*"
  "$REN" "$@" >"$IO/out" 2>"$IO/err"
  RC=$?
  cat "$IO/out" "$IO/err" >"$IO/all"
}

# mpiren NP ARGS...: the same under mpirun.
mpiren() {
  local np=$1
  shift
  LAST="mpirun -np $np ren $*"
  mpirun --allow-run-as-root --oversubscribe -np "$np" "$REN" "$@" >"$IO/out" 2>"$IO/err"
  RC=$?
  cat "$IO/out" "$IO/err" >"$IO/all"
}

show() { # the output of the last command, for failure messages
  echo "--- stdout:"; tail -n 15 "$IO/out"; echo "--- stderr:"; tail -n 15 "$IO/err"
}
expect_rc() {
  [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC from: $LAST
$(show)"
}
# expect_in FILE TEXT: the file contains the fixed string.
expect_in() {
  grep -qF -- "$2" "$1" || fail "'$2' not in $(basename "$1") of: $LAST
$(show)"
}
expect_not_in() {
  if grep -qF -- "$2" "$1"; then fail "'$2' unexpectedly in $(basename "$1") of: $LAST
$(show)"; fi
}
# expect_last_err TEXT: the last non-empty stderr line contains TEXT.
last_err() { grep -v '^[[:space:]]*$' "$IO/err" | tail -n 1; }
expect_last_err() {
  local last
  last=$(last_err)
  case "$last" in
    *"$1"*) ;;
    *) fail "last stderr line does not contain '$1': '$last' (from: $LAST)" ;;
  esac
}
expect_file() { [ -f "$1" ] || fail "missing file $1 (after: $LAST)"; }
expect_no_file() { [ ! -e "$1" ] || fail "$1 should not exist (after: $LAST)"; }
expect_empty_dir() {
  [ -z "$(ls -A "$1")" ] || fail "$1 should be empty but holds: $(ls -A "$1" | tr '\n' ' ') (after: $LAST)"
}

# json_get FILE PYTHON_EXPR: evaluates the expression on the parsed JSON `d`, prints the result.
json_get() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}


# run_case "CASES": the end of every script: `list` prints the cases; otherwise runs case_$CASE, which
# must be one of CASES (a case named prefix_arg runs case_prefix with arg when the script defines
# case_prefix and no case_prefix_arg), and prints PASS when it returns.
run_case() {
  local cases=$1 fn
  [ -x "$REN" ] || fail "ren binary '$REN' is not executable"
  if [ "$CASE" = list ]; then
    echo $cases
    exit 0
  fi
  case " $(echo $cases) " in *" $CASE "*) ;; *) fail "unknown case (known: $(echo $cases))" ;; esac
  fn="case_$CASE"
  if declare -F "$fn" >/dev/null; then
    "$fn"
  elif declare -F "case_${CASE%%_*}" >/dev/null; then
    "case_${CASE%%_*}" "${CASE#*_}"
  else
    fail "unknown case (known: $(echo $cases))"
  fi
  echo "PASS $CASE"
  exit 0
}
