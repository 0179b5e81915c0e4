#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>

#include "ren/core/Csv.h"
#include "ren/core/Error.h"

namespace fs = std::filesystem;

namespace {

fs::path scratchDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("ren-test-csv-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void writeRaw(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

std::string messageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ren::InputError& e) {
    return e.what();
  }
  return "<no InputError>";
}

}  // namespace

TEST(Csv, QuotingRoundTrip) {
  ren::CsvTable t;
  t.header = {"id", "text", "note"};
  t.rows = {{"1", "plain", ""},
            {"2", "with, comma", "say \"hi\""},
            {"3", "multi\nline", "cr\rinside"},
            {"4", "crlf\r\nin", "\"\""},
            {"5", "", " spaces kept "}};
  const std::string text = ren::formatCsv(t);
  // Only fields that need it are quoted; inner quotes are doubled; lines end with \n.
  EXPECT_NE(text.find("1,plain,\n"), std::string::npos);
  EXPECT_NE(text.find("2,\"with, comma\",\"say \"\"hi\"\"\"\n"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\"crlf\r\nin\""), std::string::npos);  // CRLF kept inside quotes

  const auto dir = scratchDir("roundtrip");
  writeRaw(dir / "t.csv", text);
  const ren::CsvTable back = ren::readCsv(dir / "t.csv");
  EXPECT_EQ(back.header, t.header);
  EXPECT_EQ(back.rows, t.rows);
  ASSERT_EQ(back.rowLines.size(), 5u);
  EXPECT_EQ(back.rowLines[0], 2u);
  EXPECT_EQ(back.rowLines[2], 4u);
  EXPECT_EQ(back.rowLines[3], 6u);  // the row before spans lines 4-5 (LF inside quotes)
  EXPECT_EQ(back.rowLines[4], 8u);  // the row before spans lines 6-7 (CRLF inside quotes)
  EXPECT_EQ(back.column("text"), 1);
  EXPECT_EQ(back.column("missing"), -1);
  fs::remove_all(dir);
}

TEST(Csv, SingleEmptyFieldRowSurvives) {
  ren::CsvTable t;
  t.header = {"only"};
  t.rows = {{"a"}, {""}, {"b"}};
  const std::string text = ren::formatCsv(t);
  EXPECT_EQ(text, "only\na\n\"\"\nb\n");
  const ren::CsvTable back = ren::parseCsv(text, "mem");
  EXPECT_EQ(back.rows, t.rows);
}

TEST(Csv, FormatRejectsRaggedTable) {
  ren::CsvTable t;
  t.header = {"a", "b"};
  t.rows = {{"1"}};
  EXPECT_THROW(ren::formatCsv(t), std::invalid_argument);
}

TEST(Csv, RaggedRowErrorNamesFileAndLine) {
  const auto dir = scratchDir("ragged");
  writeRaw(dir / "r.csv", "a,b,c\n1,2,3\n\n4,5\n");
  const std::string msg = messageOf([&] { ren::readCsv(dir / "r.csv"); });
  EXPECT_NE(msg.find((dir / "r.csv").string() + ":4: expected 3 fields, found 2"), std::string::npos)
      << msg;
  writeRaw(dir / "r2.csv", "a,b\n1,2,3\n");
  const std::string msg2 = messageOf([&] { ren::readCsv(dir / "r2.csv"); });
  EXPECT_NE(msg2.find(":2: expected 2 fields, found 3"), std::string::npos) << msg2;
  fs::remove_all(dir);
}

TEST(Csv, MissingFileNamesIt) {
  const std::string msg = messageOf([] { ren::readCsv("/nonexistent/dir/nothing.csv"); });
  EXPECT_NE(msg.find("/nonexistent/dir/nothing.csv"), std::string::npos) << msg;
}

TEST(Csv, UnterminatedQuoteAndJunkAfterQuote) {
  EXPECT_NE(messageOf([] { ren::parseCsv("a,b\n1,\"open\n2,3\n", "x.csv"); }).find("x.csv:2: unterminated"),
            std::string::npos);
  EXPECT_NE(messageOf([] { ren::parseCsv("a,b\n\"q\"z,3\n", "x.csv"); }).find("x.csv:2:"),
            std::string::npos);
}

TEST(Csv, BomCrlfAndBlankLines) {
  const auto dir = scratchDir("bom");
  writeRaw(dir / "b.csv", "\xEF\xBB\xBFscan_id,label\r\n\r\ns1,0\r\n\r\n\"s,2\",1\r\n\r\n");
  const ren::CsvTable t = ren::readCsv(dir / "b.csv");
  ASSERT_EQ(t.header.size(), 2u);
  EXPECT_EQ(t.header[0], "scan_id");  // BOM stripped
  EXPECT_EQ(t.header[1], "label");    // \r stripped
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"s1", "0"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"s,2", "1"}));
  EXPECT_EQ(t.rowLines[0], 3u);
  EXPECT_EQ(t.rowLines[1], 5u);
  fs::remove_all(dir);
}

TEST(Csv, NoTrailingNewlineAndTrailingEmptyField) {
  const ren::CsvTable t = ren::parseCsv("a,b,c\n1,2,\n3,,", "m");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "2", ""}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"3", "", ""}));
  EXPECT_TRUE(ren::parseCsv("", "m").header.empty());
  EXPECT_TRUE(ren::parseCsv("\xEF\xBB\xBF", "m").header.empty());
}

TEST(Csv, FormatDoubleRoundTrips) {
  const double values[] = {0.1,
                           1e-300,
                           123456789.125,
                           1.0 / 3.0,
                           -2.5,
                           1e22,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           0.8646,
                           42.0};
  for (double v : values) {
    const std::string s = ren::formatDouble(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
    const auto parsed = ren::parseDouble(s);
    ASSERT_TRUE(parsed.has_value()) << s;
    EXPECT_EQ(*parsed, v) << s;
  }
  EXPECT_EQ(ren::formatDouble(0.1), "0.1");
  EXPECT_EQ(ren::formatDouble(1e-300), "1e-300");
  EXPECT_EQ(ren::formatDouble(123456789.125), "123456789.125");
  EXPECT_EQ(ren::formatDouble(42.0), "42");
  EXPECT_EQ(ren::formatDouble(0.0), "0");
  EXPECT_EQ(ren::formatDouble(-0.0), "0");  // negative zero is written as plain 0
  EXPECT_EQ(ren::formatDouble(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(ren::formatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(ren::formatDouble(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_TRUE(std::isnan(*ren::parseDouble("nan")));
}

TEST(Csv, StrictNumberParsers) {
  EXPECT_EQ(ren::parseInt(" 7 "), 7);
  EXPECT_EQ(ren::parseInt("+3"), 3);
  EXPECT_EQ(ren::parseInt("-3"), -3);
  EXPECT_FALSE(ren::parseInt("3.0").has_value());
  EXPECT_FALSE(ren::parseInt("").has_value());
  EXPECT_FALSE(ren::parseInt("+-1").has_value());
  EXPECT_FALSE(ren::parseInt("1x").has_value());
  EXPECT_EQ(ren::parseDouble("2.5"), 2.5);
  EXPECT_FALSE(ren::parseDouble("2.5.1").has_value());
  EXPECT_FALSE(ren::parseDouble("abc").has_value());
}
