#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "ren/core/Error.h"
#include "ren/core/Sha256.h"

namespace fs = std::filesystem;

namespace {

// FIPS 180-4 / NIST CSRC example vectors.
TEST(Sha256, EmptyString) {
  EXPECT_EQ(ren::sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, Abc) {
  EXPECT_EQ(ren::sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessage) {
  EXPECT_EQ(ren::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OneMillionA) {
  const std::string a(1000000, 'a');
  EXPECT_EQ(ren::sha256Hex(a), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, DigestBytesMatchHex) {
  ren::Sha256 h;
  h.update("abc");
  const auto d = h.digest();
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[31], 0xad);
  // Finalised: hexDigest returns the same value, update is refused.
  EXPECT_EQ(h.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(h.update("x"), std::logic_error);
}

TEST(Sha256, PaddingBoundaries) {
  // Lengths around the 55/56/64-byte padding boundaries must agree between one-shot and
  // byte-by-byte hashing (and differ from each other).
  std::string previous;
  for (std::size_t len : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u}) {
    const std::string msg(len, 'x');
    ren::Sha256 h;
    for (char c : msg) h.update(&c, 1);
    const std::string bytewise = h.hexDigest();
    EXPECT_EQ(bytewise, ren::sha256Hex(msg)) << "length " << len;
    EXPECT_NE(bytewise, previous);
    previous = bytewise;
  }
}

TEST(Sha256, IncrementalOddPiecesEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>((i * 131 + 7) % 251));
  const std::string expected = ren::sha256Hex(data);
  for (std::size_t piece : {1u, 3u, 7u, 63u, 65u, 127u, 1000u, 4099u}) {
    ren::Sha256 h;
    std::size_t pos = 0;
    std::size_t step = piece;
    while (pos < data.size()) {
      const std::size_t n = std::min(step, data.size() - pos);
      h.update(data.data() + pos, n);
      pos += n;
      step = step % 97 + piece;  // vary the piece size as we go
    }
    EXPECT_EQ(h.hexDigest(), expected) << "piece size " << piece;
  }
  ren::Sha256 h;
  h.update(nullptr, 0);
  h.update(std::string_view(data));
  EXPECT_EQ(h.hexDigest(), expected);
}

fs::path uniqueTempDir(const std::string& tag) {
  const fs::path dir = fs::temp_directory_path() / ("ren_test_sha256_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(Sha256, FileMatchesStringHash) {
  const fs::path dir = uniqueTempDir("file");
  // Larger than the 1 MiB read block so that several blocks and a partial one are hashed.
  std::string content;
  content.reserve(2500000);
  for (int i = 0; i < 2500000; ++i) content.push_back(static_cast<char>((i * 7919) & 0xff));
  const fs::path file = dir / "data.bin";
  {
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  EXPECT_EQ(ren::sha256File(file), ren::sha256Hex(content));

  const fs::path empty = dir / "empty.bin";
  { std::ofstream out(empty, std::ios::binary); }
  EXPECT_EQ(ren::sha256File(empty), ren::sha256Hex(""));
  fs::remove_all(dir);
}

TEST(Sha256, MissingFileThrowsInputErrorNamingPath) {
  const fs::path dir = uniqueTempDir("missing");
  const fs::path missing = dir / "does_not_exist.bin";
  try {
    ren::sha256File(missing);
    FAIL() << "expected InputError";
  } catch (const ren::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(ren::sha256File(dir), ren::InputError);  // a directory is not a readable file
  fs::remove_all(dir);
}

}  // namespace
