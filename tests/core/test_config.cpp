// Config parsing, validation, overrides, canonical printing, hashing and `extends` chains
// (ConfigSchema.h). Error tests assert on the message: a ConfigError must name the key (and the
// file) and say what is allowed, because that message is all a user sees (exit code 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"

namespace fs = std::filesystem;

namespace {

using Overrides = std::vector<ren::ConfigOverride>;

// A ConfigError is a UsageError: the CLI maps it to exit code 2.
static_assert(std::is_base_of_v<ren::UsageError, ren::ConfigError>);

/// The ConfigError message thrown by `f`; a non-ConfigError exception or no exception is a test failure.
std::string configErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ren::ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ren::ConfigError, got another exception: " << e.what();
    return std::string("<wrong exception> ") + e.what();
  }
  ADD_FAILURE() << "expected ren::ConfigError, nothing was thrown";
  return "<no ConfigError>";
}

/// The message of parsing `text` (origin "test.toml") with overrides given as "key=value" strings.
std::string parseError(const std::string& text, std::initializer_list<const char*> sets = {}) {
  return configErrorOf([&] {
    Overrides o;
    for (const char* s : sets) o.push_back(ren::parseOverride(s));
    ren::parseConfigText(text, "test.toml", o);
  });
}

ren::Config parse(const std::string& text, std::initializer_list<const char*> sets = {}) {
  Overrides o;
  for (const char* s : sets) o.push_back(ren::parseOverride(s));
  return ren::parseConfigText(text, "test.toml", o);
}

/// Checks that `message` contains every one of `parts`.
void expectContainsAll(const std::string& message, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' missing from: " << message;
}

class ConfigFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ren-test-config-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p;
  }

  fs::path dir_;
};

/// One `key = value` line of formatConfig(c, true), with its section and the doc comment above it.
struct PrintedKey {
  std::string section, key, value, doc;
};

std::vector<PrintedKey> printedKeys(const std::string& text) {
  std::vector<PrintedKey> out;
  std::istringstream in(text);
  std::string line, section, lastComment;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.front() == '#') {
      lastComment = line;
    } else if (line.front() == '[') {
      section = line.substr(1, line.find(']') - 1);
    } else {
      const auto eq = line.find(" = ");
      if (eq == std::string::npos) {
        ADD_FAILURE() << "unexpected line in formatConfig output: " << line;
        continue;
      }
      out.push_back({section, line.substr(0, eq), line.substr(eq + 3), lastComment});
    }
  }
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

/// Allowed values listed at the end of a doc comment: "... (a, b, c)" (not a range).
std::vector<std::string> docChoices(const std::string& doc) {
  std::vector<std::string> out;
  if (doc.empty() || doc.back() != ')') return out;
  const auto open = doc.rfind('(');
  if (open == std::string::npos) return out;
  const std::string inner = doc.substr(open + 1, doc.size() - open - 2);
  if (inner.find("between") != std::string::npos || inner.find("at least") != std::string::npos ||
      inner.find("at most") != std::string::npos)
    return out;
  std::string::size_type start = 0;
  while (start <= inner.size()) {
    const auto comma = inner.find(", ", start);
    out.push_back(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return out;
}

/// Candidate replacement values (override text) for a printed key, different from its value.
std::vector<std::string> mutationsOf(const PrintedKey& k) {
  const std::string& v = k.value;
  if (v == "true") return {"false"};
  if (v == "false") return {"true"};
  if (!v.empty() && (v.front() == '\'' || v.front() == '"')) {
    std::vector<std::string> c = docChoices(k.doc);
    c.push_back("mutated-value");
    // Structured strings (lists, ranges) accept only well-formed values.
    c.push_back("1,2");
    c.push_back("-1000,400");
    c.push_back("2,2,6,2");
    c.push_back("4,8,16,32");
    c.push_back("cnn,vit");
    return c;
  }
  if (v.find_first_of(".eE") != std::string::npos) {
    const double d = std::stod(v);
    std::vector<std::string> c;
    for (double x : {d + 0.25, d - 0.25, d * 0.5, d + 1.0, d - 1.0}) {
      std::ostringstream s;
      s.precision(17);
      s << x;
      std::string t = s.str();
      if (t.find_first_of(".eE") == std::string::npos) t += ".0";
      c.push_back(t);
    }
    return c;
  }
  const long long i = std::stoll(v);
  return {std::to_string(i + 1), std::to_string(i - 1), std::to_string(i + 2), std::to_string(i * 2)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Defaults

TEST(ConfigDefaults, EmptyTextGivesTheConfigHDefaults) {
  // Compared with a default-constructed Config, so the test follows the defaults of Config.h.
  const ren::Config c = ren::parseConfigText("", "empty.toml");
  const ren::Config d;
  EXPECT_EQ(c.run.dir, d.run.dir);
  EXPECT_FALSE(c.run.dir.empty());
  EXPECT_EQ(c.run.name, d.run.name);
  EXPECT_EQ(c.run.seed, d.run.seed);
  EXPECT_EQ(c.run.threads, d.run.threads);
  EXPECT_EQ(c.run.logLevel, d.run.logLevel);
  EXPECT_EQ(c.cohort.source, d.cohort.source);
  EXPECT_EQ(c.cohort.table, d.cohort.table);
  EXPECT_EQ(c.cohort.labels, d.cohort.labels);
  EXPECT_EQ(c.synth.patients, d.synth.patients);
  EXPECT_EQ(c.synth.maxScansPerPatient, d.synth.maxScansPerPatient);
  EXPECT_EQ(c.synth.size, d.synth.size);
  EXPECT_EQ(c.synth.spacing, d.synth.spacing);
  EXPECT_EQ(c.synth.sites, d.synth.sites);
  EXPECT_EQ(c.synth.prevalence, d.synth.prevalence);
  EXPECT_EQ(c.synth.converters, d.synth.converters);
  EXPECT_EQ(c.synth.confounders, d.synth.confounders);
  EXPECT_EQ(c.synth.labels, d.synth.labels);
  EXPECT_EQ(c.synth.seed, d.synth.seed);
  EXPECT_EQ(c.split.folds, d.split.folds);
  EXPECT_EQ(c.split.rotateValTest, d.split.rotateValTest);
  // Defaults documented for users (INTERFACE.md, configs/): the built-in synthetic cohort, seed 42, 5 folds.
  EXPECT_EQ(c.cohort.source, "synthetic");
  EXPECT_EQ(c.run.seed, 42);
  EXPECT_EQ(c.split.folds, 5);
  EXPECT_EQ(c.synth.seed, 0);  // 0 = derived from run.seed
  // Same as a default-constructed Config, and as loadConfig with no file.
  EXPECT_EQ(ren::configHash(c), ren::configHash(ren::Config{}));
  EXPECT_EQ(ren::configHash(ren::loadConfig("")), ren::configHash(ren::Config{}));
}

TEST(ConfigDefaults, CommentsAndEmptySectionsGiveDefaults) {
  const ren::Config c = ren::parseConfigText("# only a comment\n[run]\n[cohort]\n\n[synth]\n[split]\n", "t.toml");
  EXPECT_EQ(ren::configHash(c), ren::configHash(ren::Config{}));
}

TEST(ConfigDefaults, SectionsAreListedInSchemaOrder) {
  const auto s = ren::configSections();
  std::vector<std::string> expected{"run", "cohort", "synth", "split"};
  std::vector<std::string> found;
  for (const auto& name : s)
    if (std::find(expected.begin(), expected.end(), name) != expected.end()) found.push_back(name);
  EXPECT_EQ(found, expected);
}

TEST(ConfigDefaults, ValuesFromTextAreApplied) {
  const ren::Config c = parse(
      "[run]\ndir = \"runs/x\"\nname = \"exp1\"\nseed = 9\nthreads = 3\nlog_level = \"debug\"\n"
      "[cohort]\nsource = \"table\"\ntable = \"c.csv\"\nlabels = \"totalseg-v2\"\n"
      "[synth]\npatients = 7\nmax_scans_per_patient = 2\nsize = 24\nspacing = 10\nsites = 5\nprevalence = 0.25\n"
      "converters = 0\nconfounders = 1\nlabels = \"totalseg-v2\"\nseed = 123\n"
      "[split]\nfolds = 3\nrotate_val_test = true\n");
  EXPECT_EQ(c.run.dir, "runs/x");
  EXPECT_EQ(c.run.name, "exp1");
  EXPECT_EQ(c.run.seed, 9);
  EXPECT_EQ(c.run.threads, 3);
  EXPECT_EQ(c.run.logLevel, "debug");
  EXPECT_EQ(c.cohort.source, "table");
  EXPECT_EQ(c.cohort.table, "c.csv");
  EXPECT_EQ(c.cohort.labels, "totalseg-v2");
  EXPECT_EQ(c.synth.patients, 7);
  EXPECT_EQ(c.synth.maxScansPerPatient, 2);
  EXPECT_EQ(c.synth.size, 24);
  EXPECT_DOUBLE_EQ(c.synth.spacing, 10.0);  // an integer is accepted for a number
  EXPECT_EQ(c.synth.sites, 5);
  EXPECT_DOUBLE_EQ(c.synth.prevalence, 0.25);
  EXPECT_DOUBLE_EQ(c.synth.converters, 0.0);
  EXPECT_DOUBLE_EQ(c.synth.confounders, 1.0);
  EXPECT_EQ(c.synth.labels, "totalseg-v2");
  EXPECT_EQ(c.synth.seed, 123);
  EXPECT_EQ(c.split.folds, 3);
  EXPECT_TRUE(c.split.rotateValTest);
}

TEST(ConfigDefaults, DottedKeysAndInlineTablesWork) {
  const ren::Config c = parse("synth.size = 24\nsplit = { folds = 3 }\n");
  EXPECT_EQ(c.synth.size, 24);
  EXPECT_EQ(c.split.folds, 3);
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the file, the key and what is allowed

TEST(ConfigErrors, UnknownKeyNamesItAndListsTheAllowedKeys) {
  const std::string m = parseError("[synth]\nsizee = 3\n");
  expectContainsAll(m, {"test.toml", "synth.sizee", "patients", "size", "spacing", "labels", "seed"});
  // A key of another section is not offered.
  EXPECT_EQ(m.find("folds"), std::string::npos) << m;
}

TEST(ConfigErrors, UnknownDottedKeyNamesIt) {
  expectContainsAll(parseError("split.foldz = 3\n"), {"split.foldz", "folds", "rotate_val_test"});
}

TEST(ConfigErrors, UnknownSectionNamesItAndListsTheSections) {
  expectContainsAll(parseError("[synthh]\nsize = 24\n"), {"test.toml", "synthh", "run", "cohort", "synth", "split"});
}

TEST(ConfigErrors, TopLevelKeyIsAnUnknownSection) {
  expectContainsAll(parseError("seed = 3\n"), {"seed", "run", "split"});
}

TEST(ConfigErrors, SectionThatIsNotATable) {
  expectContainsAll(parseError("synth = 3\n"), {"synth", "table"});
}

TEST(ConfigErrors, StringForAnIntegerNamesKeyAndType) {
  expectContainsAll(parseError("[synth]\nsize = \"24\"\n"), {"test.toml", "synth.size", "integer"});
}

TEST(ConfigErrors, FloatForAnIntegerIsRejected) {
  expectContainsAll(parseError("[synth]\nsize = 24.0\n"), {"synth.size", "integer"});
  expectContainsAll(parseError("[split]\nfolds = 2.5\n"), {"split.folds", "integer"});
  expectContainsAll(parseError("[run]\nseed = 1e3\n"), {"run.seed", "integer"});
}

TEST(ConfigErrors, StringForANumberIsRejected) {
  expectContainsAll(parseError("[synth]\nspacing = \"2.5\"\n"), {"synth.spacing", "number"});
}

TEST(ConfigErrors, NonStringForAStringIsRejected) {
  expectContainsAll(parseError("[run]\ndir = 5\n"), {"run.dir", "string"});
  expectContainsAll(parseError("[run]\ndir = [\"a\"]\n"), {"run.dir", "string"});
  expectContainsAll(parseError("[cohort]\nlabels = true\n"), {"cohort.labels", "string"});
}

TEST(ConfigErrors, OutOfRangeNamesKeyValueAndRange) {
  expectContainsAll(parseError("[synth]\nsize = 4\n"), {"test.toml", "synth.size", "4", "between 16 and 1024"});
  expectContainsAll(parseError("[synth]\nsize = 1025\n"), {"synth.size", "between 16 and 1024"});
  expectContainsAll(parseError("[synth]\nspacing = 0.2\n"), {"synth.spacing", "between 0.3 and 10"});
  expectContainsAll(parseError("[synth]\nprevalence = 1.5\n"), {"synth.prevalence", "between 0 and 1"});
  expectContainsAll(parseError("[run]\nthreads = -1\n"), {"run.threads", "between 0 and 1024"});
  expectContainsAll(parseError("[run]\nseed = -5\n"), {"run.seed", "between 0 and"});
  expectContainsAll(parseError("[split]\nfolds = 1\n"), {"split.folds", "between 2 and 50"});
  // An integer far beyond int must not wrap around into the range.
  expectContainsAll(parseError("[synth]\nsize = 4294967320\n"), {"synth.size", "between 16 and 1024"});
}

TEST(ConfigErrors, RangeBoundsAreInclusive) {
  EXPECT_EQ(parse("[synth]\nsize = 16\n").synth.size, 16);
  EXPECT_EQ(parse("[synth]\nsize = 1024\n").synth.size, 1024);
  EXPECT_DOUBLE_EQ(parse("[synth]\nspacing = 0.3\n").synth.spacing, 0.3);
  EXPECT_DOUBLE_EQ(parse("[synth]\nspacing = 10.0\n").synth.spacing, 10.0);
  EXPECT_EQ(parse("[run]\nseed = 9007199254740992\n").run.seed, 9007199254740992LL);
}

TEST(ConfigErrors, NonFiniteNumbersAreRejected) {
  expectContainsAll(parseError("[synth]\nspacing = nan\n"), {"synth.spacing", "finite"});
  expectContainsAll(parseError("[synth]\nprevalence = inf\n"), {"synth.prevalence", "finite"});
}

TEST(ConfigErrors, BadChoiceListsTheAllowedValues) {
  expectContainsAll(parseError("[cohort]\nlabels = \"foo\"\n"), {"test.toml", "cohort.labels", "foo", "lungmask", "totalseg-v2", "auto"});
  expectContainsAll(parseError("[synth]\nlabels = \"auto\"\n"), {"synth.labels", "lungmask", "totalseg-v2"});
  expectContainsAll(parseError("[cohort]\nsource = \"csv\"\n"), {"cohort.source", "synthetic", "table"});
  expectContainsAll(parseError("[run]\nlog_level = \"verbose\"\n"), {"run.log_level", "info", "warn", "debug"});
}

TEST(ConfigErrors, EmptyRunDirIsRejected) {
  expectContainsAll(parseError("[run]\ndir = \"\"\n"), {"run.dir", "empty"});
}

TEST(ConfigErrors, BoolGivenAsStringOrNumberIsRejected) {
  expectContainsAll(parseError("[split]\nrotate_val_test = \"true\"\n"), {"split.rotate_val_test", "boolean"});
  expectContainsAll(parseError("[split]\nrotate_val_test = 1\n"), {"split.rotate_val_test", "boolean"});
}

TEST(ConfigErrors, TableSourceWithoutTableNamesBothKeys) {
  expectContainsAll(parseError("[cohort]\nsource = \"table\"\n"), {"cohort.table", "cohort.source"});
  const ren::Config ok = parse("[cohort]\nsource = \"table\"\ntable = \"cohort.csv\"\n");
  EXPECT_EQ(ok.cohort.table, "cohort.csv");
}

TEST(ConfigErrors, CohortLabelsContradictingSynthLabelsForSyntheticCohort) {
  expectContainsAll(parseError("[cohort]\nlabels = \"totalseg-v2\"\n"),
                    {"cohort.labels", "synth.labels", "totalseg-v2", "lungmask"});
  // The same check applies after overrides.
  expectContainsAll(parseError("", {"synth.labels=totalseg-v2"}), {"cohort.labels", "synth.labels"});
  // Consistent, auto, or a table cohort: fine.
  EXPECT_NO_THROW(parse("[cohort]\nlabels = \"totalseg-v2\"\n[synth]\nlabels = \"totalseg-v2\"\n"));
  EXPECT_NO_THROW(parse("[cohort]\nlabels = \"auto\"\n[synth]\nlabels = \"totalseg-v2\"\n"));
  EXPECT_NO_THROW(parse("[cohort]\nsource = \"table\"\ntable = \"c.csv\"\nlabels = \"totalseg-v2\"\n"));
}

TEST(ConfigErrors, ValidateConfigChecksCrossKeyRules) {
  ren::Config c;
  EXPECT_NO_THROW(ren::validateConfig(c));
  c.cohort.source = "table";
  EXPECT_THROW(ren::validateConfig(c), ren::ConfigError);
  c.cohort.table = "t.csv";
  EXPECT_NO_THROW(ren::validateConfig(c));
}

TEST(ConfigErrors, InvalidTomlNamesOriginAndLine) {
  const std::string m = configErrorOf([] { ren::parseConfigText("[run]\nseed = 42\ndir = \n", "bad.toml"); });
  expectContainsAll(m, {"bad.toml:3", "invalid TOML"});
  const std::string dup = configErrorOf([] { ren::parseConfigText("[run]\nseed = 1\nseed = 2\n", "dup.toml"); });
  expectContainsAll(dup, {"dup.toml:3", "invalid TOML"});
}

TEST(ConfigErrors, ExtendsIsOnlyForFiles) {
  expectContainsAll(parseError("extends = \"base.toml\"\n"), {"extends"});
}

// ---------------------------------------------------------------------------------------------
// Overrides (--set section.key=value)

TEST(ConfigOverrides, ParseOverrideSplitsAtTheFirstEquals) {
  const auto o = ren::parseOverride("synth.size=24");
  EXPECT_EQ(o.key, "synth.size");
  EXPECT_EQ(o.value, "24");
  const auto eq = ren::parseOverride("run.name=a=b");
  EXPECT_EQ(eq.key, "run.name");
  EXPECT_EQ(eq.value, "a=b");
  EXPECT_EQ(ren::parseOverride("run.name=").value, "");
}

TEST(ConfigOverrides, ParseOverrideRejectsMalformedText) {
  expectContainsAll(configErrorOf([] { ren::parseOverride("novalue"); }), {"novalue", "section.key=value"});
  expectContainsAll(configErrorOf([] { ren::parseOverride("nosection=1"); }), {"nosection", "section.key"});
  configErrorOf([] { ren::parseOverride("=1"); });
  configErrorOf([] { ren::parseOverride(".size=1"); });
  configErrorOf([] { ren::parseOverride("synth.=1"); });
}

TEST(ConfigOverrides, ValuesAreTyped) {
  const ren::Config c = parse("", {"synth.size=24", "synth.spacing=2", "synth.prevalence=0.25", "split.rotate_val_test=true",
                                   "run.dir=runs/with space", "run.name=\"quoted name\"", "run.seed=9007199254740992",
                                   "run.log_level=debug"});
  EXPECT_EQ(c.synth.size, 24);
  EXPECT_DOUBLE_EQ(c.synth.spacing, 2.0);  // integer text for a number
  EXPECT_DOUBLE_EQ(c.synth.prevalence, 0.25);
  EXPECT_TRUE(c.split.rotateValTest);
  EXPECT_EQ(c.run.dir, "runs/with space");  // a string without quotes is taken literally
  EXPECT_EQ(c.run.name, "quoted name");     // a quoted TOML string is unquoted
  EXPECT_EQ(c.run.seed, 9007199254740992LL);
  EXPECT_EQ(c.run.logLevel, "debug");
  EXPECT_EQ(parse("", {"run.name='single'"}).run.name, "single");
  EXPECT_EQ(parse("", {"run.name=123"}).run.name, "123");  // number-looking text for a string stays text
  EXPECT_EQ(parse("", {"run.name=a # b"}).run.name, "a # b");
  EXPECT_FALSE(parse("[split]\nrotate_val_test = true\n", {"split.rotate_val_test=false"}).split.rotateValTest);
}

TEST(ConfigOverrides, OverridesWinOverTheFileAndLaterOverridesWin) {
  const ren::Config c = parse("[synth]\nsize = 40\npatients = 10\n[run]\ndir = \"from-file\"\n",
                              {"synth.size=24", "run.dir=from-set"});
  EXPECT_EQ(c.synth.size, 24);
  EXPECT_EQ(c.synth.patients, 10);  // not overridden: the file value stays
  EXPECT_EQ(c.run.dir, "from-set");
  EXPECT_EQ(parse("", {"synth.size=24", "synth.size=32"}).synth.size, 32);
}

TEST(ConfigOverrides, OverrideOfAValueTheFileGotWrongStillFails) {
  // Values in the file are validated even when an override replaces them later.
  expectContainsAll(parseError("[synth]\nsize = 4\n", {"synth.size=24"}), {"synth.size", "between 16 and 1024"});
}

TEST(ConfigOverrides, UnknownKeyOrSectionFailsNamingIt) {
  expectContainsAll(parseError("", {"synth.sizee=3"}), {"synth.sizee", "patients", "size"});
  expectContainsAll(parseError("", {"foo.bar=1"}), {"foo", "run", "synth", "split"});
}

TEST(ConfigOverrides, BadValuesFailNamingTheKey) {
  expectContainsAll(parseError("", {"synth.size=abc"}), {"synth.size", "abc", "integer"});
  expectContainsAll(parseError("", {"synth.size=24.5"}), {"synth.size", "integer"});
  expectContainsAll(parseError("", {"synth.size=4"}), {"synth.size", "between 16 and 1024"});
  expectContainsAll(parseError("", {"synth.spacing=fast"}), {"synth.spacing", "number"});
  expectContainsAll(parseError("", {"split.rotate_val_test=yes"}), {"split.rotate_val_test", "boolean"});
  expectContainsAll(parseError("", {"split.rotate_val_test=1"}), {"split.rotate_val_test", "boolean"});
  expectContainsAll(parseError("", {"cohort.labels=foo"}), {"cohort.labels", "lungmask", "totalseg-v2"});
  expectContainsAll(parseError("", {"run.dir="}), {"run.dir", "empty"});
  expectContainsAll(parseError("", {"cohort.source=table"}), {"cohort.table"});
  EXPECT_EQ(parse("", {"cohort.source=table", "cohort.table=/data/c.csv"}).cohort.table, "/data/c.csv");
}

// ---------------------------------------------------------------------------------------------
// Canonical printing and hashes

namespace {
/// A config with every key away from its default, including strings that need escaping and
/// doubles whose shortest text is long.
ren::Config unusualConfig() {
  ren::Config c;
  c.run.dir = "runs/with space/and'quote";
  c.run.name = "it's \"quoted\" \\ back\ttab \xC3\xBCnicode # not a comment";
  c.run.seed = 9007199254740992LL;
  c.run.threads = 7;
  c.run.logLevel = "trace";
  c.cohort.source = "table";
  c.cohort.table = "/data/cohort [v2].csv";
  c.cohort.labels = "totalseg-v2";
  c.synth.patients = 100000;
  c.synth.maxScansPerPatient = 1;
  c.synth.size = 17;
  c.synth.spacing = 0.30000000000000004;
  c.synth.sites = 8;
  c.synth.prevalence = 1e-5;
  c.synth.converters = 1.0 / 3.0;
  c.synth.confounders = 1.0;
  c.synth.labels = "totalseg-v2";
  c.synth.seed = 123456789012345LL;
  c.split.folds = 50;
  c.split.rotateValTest = true;
  return c;
}
}  // namespace

TEST(ConfigFormat, RoundTripGivesTheSameConfigAndHash) {
  for (const ren::Config& c : {ren::Config{}, unusualConfig()}) {
    const std::string text = ren::formatConfig(c);
    SCOPED_TRACE(text);
    const ren::Config back = ren::parseConfigText(text, "formatted.toml");
    EXPECT_EQ(ren::configHash(back), ren::configHash(c));
    EXPECT_EQ(ren::formatConfig(back), text);
    EXPECT_EQ(back.run.name, c.run.name);
    EXPECT_EQ(back.run.dir, c.run.dir);
    EXPECT_EQ(back.cohort.table, c.cohort.table);
    EXPECT_EQ(back.run.seed, c.run.seed);
    EXPECT_EQ(back.synth.spacing, c.synth.spacing);  // exact, not approximately
    EXPECT_EQ(back.synth.prevalence, c.synth.prevalence);
    EXPECT_EQ(back.synth.converters, c.synth.converters);
    EXPECT_EQ(back.split.rotateValTest, c.split.rotateValTest);
  }
}

TEST(ConfigFormat, RoundTripWithDocsGivesTheSameHash) {
  for (const ren::Config& c : {ren::Config{}, unusualConfig()}) {
    const std::string text = ren::formatConfig(c, true);
    SCOPED_TRACE(text);
    EXPECT_NE(text.find('#'), std::string::npos);  // has documentation comments
    const ren::Config back = ren::parseConfigText(text, "documented.toml");
    EXPECT_EQ(ren::configHash(back), ren::configHash(c));
  }
}

TEST(ConfigFormat, EveryKeyIsPrintedAndDocumented) {
  const auto keys = printedKeys(ren::formatConfig(ren::Config{}, true));
  std::vector<std::string> names;
  for (const auto& k : keys) {
    names.push_back(k.section + "." + k.key);
    EXPECT_FALSE(k.doc.empty()) << k.section << "." << k.key << " has no doc comment";
  }
  for (const char* expected : {"run.dir", "run.name", "run.seed", "run.threads", "run.log_level", "cohort.source",
                               "cohort.table", "cohort.labels", "synth.patients", "synth.max_scans_per_patient",
                               "synth.size", "synth.spacing", "synth.sites", "synth.prevalence", "synth.converters",
                               "synth.confounders", "synth.labels", "synth.seed", "split.folds", "split.rotate_val_test"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected << " not printed";
  // The docs state ranges and choices.
  const std::string docs = ren::formatConfig(ren::Config{}, true);
  expectContainsAll(docs, {"between 16 and 1024", "lungmask, totalseg-v2"});
}

TEST(ConfigFormat, HashIsCanonical) {
  // Comments, spacing, key order and integer-vs-float spelling of a number do not change the hash.
  const ren::Config a = parse("[synth]\nsize = 24\nspacing = 10\n[split]\nfolds = 3\n");
  const ren::Config b = parse("# comment\n[split]\nfolds=3\n\n[synth]\nspacing   = 10.0 # mm\nsize = 24\n");
  EXPECT_EQ(ren::configHash(a), ren::configHash(b));
  const std::string h = ren::configHash(a);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
}

TEST(ConfigFormat, EverySingleKeyChangeChangesTheHashAndOnlyItsSection) {
  // Base: defaults made such that every key can change alone and still validate.
  const std::string baseText = "[cohort]\ntable = \"t.csv\"\nlabels = \"auto\"\n";
  const ren::Config base = parse(baseText);
  const std::string baseFormatted = ren::formatConfig(base);
  const auto keys = printedKeys(ren::formatConfig(base, true));
  ASSERT_GE(keys.size(), 20u);
  const auto sections = ren::configSections();
  for (const PrintedKey& k : keys) {
    const std::string path = k.section + "." + k.key;
    SCOPED_TRACE(path);
    bool mutated = false;
    for (const std::string& candidate : mutationsOf(k)) {
      ren::Config changed;
      try {
        changed = ren::parseConfigText(baseText, "base.toml", {ren::parseOverride(path + "=" + candidate)});
      } catch (const ren::ConfigError&) {
        continue;  // out of range or not an allowed choice: try the next candidate
      }
      const std::string formatted = ren::formatConfig(changed);
      if (formatted == baseFormatted) continue;  // the candidate equals the current value
      mutated = true;
      EXPECT_NE(ren::configHash(changed), ren::configHash(base)) << path << "=" << candidate;
      // Exactly one printed line differs: the one of this key.
      const auto before = lines(baseFormatted), after = lines(formatted);
      ASSERT_EQ(before.size(), after.size());
      int differing = 0;
      for (std::size_t i = 0; i < before.size(); ++i)
        if (before[i] != after[i]) {
          ++differing;
          EXPECT_EQ(after[i].rfind(k.key + " = ", 0), 0u) << after[i];
        }
      EXPECT_EQ(differing, 1);
      for (const std::string& s : sections) {
        if (s == k.section)
          EXPECT_NE(ren::sectionsHash(changed, {s}), ren::sectionsHash(base, {s})) << "section " << s;
        else
          EXPECT_EQ(ren::sectionsHash(changed, {s}), ren::sectionsHash(base, {s})) << "section " << s;
      }
      break;
    }
    EXPECT_TRUE(mutated) << "no valid different value found for " << path;
  }
}

TEST(ConfigFormat, SectionsHashFollowsOnlyItsSections) {
  const ren::Config base = parse("");
  const ren::Config synthChanged = parse("", {"synth.size=24"});
  const ren::Config foldsChanged = parse("", {"split.folds=4"});
  EXPECT_EQ(ren::sectionsHash(synthChanged, {"split"}), ren::sectionsHash(base, {"split"}));
  EXPECT_NE(ren::sectionsHash(foldsChanged, {"split"}), ren::sectionsHash(base, {"split"}));
  EXPECT_NE(ren::sectionsHash(synthChanged, {"synth"}), ren::sectionsHash(base, {"synth"}));
  EXPECT_NE(ren::sectionsHash(synthChanged, {"split", "synth"}), ren::sectionsHash(base, {"split", "synth"}));
  EXPECT_NE(ren::configHash(synthChanged), ren::configHash(base));
  // Different section sets hash differently; an unknown section is an error.
  EXPECT_NE(ren::sectionsHash(base, {"split"}), ren::sectionsHash(base, {"synth"}));
  EXPECT_THROW(ren::sectionsHash(base, {"nosuchsection"}), ren::ConfigError);
}

// ---------------------------------------------------------------------------------------------
// Files and `extends`

TEST_F(ConfigFilesTest, LoadConfigReadsAFileAndAppliesOverrides) {
  const fs::path p = write("c.toml", "[synth]\nsize = 40\npatients = 10\n");
  const ren::Config c = ren::loadConfig(p, {ren::parseOverride("synth.size=24")});
  EXPECT_EQ(c.synth.size, 24);
  EXPECT_EQ(c.synth.patients, 10);
}

TEST_F(ConfigFilesTest, ErrorsInAFileNameTheFile) {
  const fs::path p = write("bad-key.toml", "[synth]\nsizee = 3\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(p); }), {"bad-key.toml", "synth.sizee", "patients"});
  const fs::path t = write("bad-toml.toml", "[run]\n\nseed = = 3\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(t); }), {"bad-toml.toml:3", "invalid TOML"});
}

TEST_F(ConfigFilesTest, MissingFileIsNamed) {
  expectContainsAll(configErrorOf([&] { ren::loadConfig(dir_ / "nope.toml"); }), {"nope.toml"});
}

TEST_F(ConfigFilesTest, ExtendsMergesSectionsKeyByKey) {
  write("base.toml", "[run]\ndir = \"runs/base\"\nseed = 11\n[synth]\npatients = 12\nsize = 32\nspacing = 5.0\n[split]\nfolds = 3\n");
  const fs::path child = write("child.toml", "extends = \"base.toml\"\n[synth]\nsize = 24\n");
  const ren::Config c = ren::loadConfig(child);
  EXPECT_EQ(c.synth.size, 24);         // from the child
  EXPECT_EQ(c.synth.patients, 12);     // same section, from the base
  EXPECT_DOUBLE_EQ(c.synth.spacing, 5.0);
  EXPECT_EQ(c.split.folds, 3);         // a section only the base has
  EXPECT_EQ(c.run.dir, "runs/base");
  EXPECT_EQ(c.run.seed, 11);
  EXPECT_EQ(c.synth.sites, 3);         // in neither file: the default
  // Overrides apply on top of the whole chain.
  EXPECT_EQ(ren::loadConfig(child, {ren::parseOverride("synth.patients=5")}).synth.patients, 5);
}

TEST_F(ConfigFilesTest, ExtendsChainsResolveRelativeToTheIncludingFile) {
  write("a/base.toml", "[synth]\npatients = 12\nsize = 32\nsites = 2\n");
  write("b/mid.toml", "extends = \"../a/base.toml\"\n[synth]\nsize = 48\n[split]\nfolds = 4\n");
  const fs::path child = write("child.toml", "extends = \"b/mid.toml\"\n[split]\nfolds = 6\n");
  const ren::Config c = ren::loadConfig(child);
  EXPECT_EQ(c.synth.patients, 12);
  EXPECT_EQ(c.synth.sites, 2);
  EXPECT_EQ(c.synth.size, 48);
  EXPECT_EQ(c.split.folds, 6);
  // An absolute path works too.
  const fs::path abs = write("abs.toml", "extends = \"" + (dir_ / "a" / "base.toml").string() + "\"\n");
  EXPECT_EQ(ren::loadConfig(abs).synth.size, 32);
}

TEST_F(ConfigFilesTest, ExtendsCycleFails) {
  write("a.toml", "extends = \"b.toml\"\n[synth]\nsize = 24\n");
  write("b.toml", "extends = \"a.toml\"\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(dir_ / "a.toml"); }), {"extends", "cycle"});
  write("self.toml", "extends = \"self.toml\"\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(dir_ / "self.toml"); }), {"extends", "cycle"});
}

TEST_F(ConfigFilesTest, ExtendsOfAMissingFileNamesIt) {
  const fs::path child = write("child.toml", "extends = \"missing-base.toml\"\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(child); }), {"missing-base.toml"});
}

TEST_F(ConfigFilesTest, ExtendsMustBeAString) {
  const fs::path child = write("child.toml", "extends = 3\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(child); }), {"child.toml", "extends"});
}

TEST_F(ConfigFilesTest, ExtendsChainIsValidatedAsAWhole) {
  // The base alone is invalid (table source, no table); the child completes it.
  write("base.toml", "[cohort]\nsource = \"table\"\n");
  const fs::path child = write("child.toml", "extends = \"base.toml\"\n[cohort]\ntable = \"c.csv\"\n");
  const ren::Config c = ren::loadConfig(child);
  EXPECT_EQ(c.cohort.source, "table");
  EXPECT_EQ(c.cohort.table, "c.csv");
}

// An error in a base file names the base file (and its line), not the extending file.
TEST_F(ConfigFilesTest, ErrorInABaseFileNamesTheBaseFile) {
  write("base-with-typo.toml", "[synth]\nsizee = 3\n");
  const fs::path child = write("child.toml", "extends = \"base-with-typo.toml\"\n");
  expectContainsAll(configErrorOf([&] { ren::loadConfig(child); }), {"base-with-typo.toml", "synth.sizee"});
}

// Integer ranges are checked as integers: 2^53 + 1 must not pass as 2^53 through a double.
TEST(ConfigErrors, SeedJustAboveTheRangeIsRejected) {
  expectContainsAll(parseError("[run]\nseed = 9007199254740993\n"), {"run.seed", "between 0 and 9007199254740992"});
}

// ---------------------------------------------------------------------------------------------
// Shipped configs

TEST(ShippedConfigs, EveryShippedConfigLoadsAndRoundTrips) {
  int count = 0;
  for (const char* sub : {"configs", "jobs"}) {
    const fs::path dir = fs::path(REN_SOURCE_DIR) / sub;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    int inDir = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".toml") continue;
      SCOPED_TRACE(entry.path().string());
      ++count;
      ++inDir;
      ren::Config c;
      try {
        c = ren::loadConfig(entry.path());
      } catch (const std::exception& e) {
        ADD_FAILURE() << entry.path() << " does not load: " << e.what();
        continue;
      }
      EXPECT_FALSE(c.run.dir.empty());
      EXPECT_EQ(ren::configHash(ren::parseConfigText(ren::formatConfig(c, true), "effective.toml")), ren::configHash(c));
    }
    EXPECT_GT(inDir, 0) << "no .toml files in " << dir;
  }
  EXPECT_GE(count, 2);
}

TEST(ShippedConfigs, TinyConfigTakesTheTestOverrides) {
  const fs::path tiny = fs::path(REN_SOURCE_DIR) / "configs" / "tiny.toml";
  const ren::Config c = ren::loadConfig(tiny, {ren::parseOverride("run.dir=/tmp/x"), ren::parseOverride("synth.size=24"),
                                               ren::parseOverride("synth.spacing=10")});
  EXPECT_EQ(c.run.dir, "/tmp/x");
  EXPECT_EQ(c.synth.size, 24);
  EXPECT_DOUBLE_EQ(c.synth.spacing, 10.0);
}
