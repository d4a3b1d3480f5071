#include "runtime-shim/monitor/cri_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/base/file_util.h"
#include "support/temp_dir.h"

namespace orch::shim {
namespace {

TEST(CriTimestamp, TrimsTrailingZerosLikeGo) {
  EXPECT_EQ(formatCriTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatCriTimestamp(1), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(formatCriTimestamp(123000000), "1970-01-01T00:00:00.123Z");
  // 2024-02-29T23:59:59.5Z
  EXPECT_EQ(formatCriTimestamp(1709251199LL * 1000000000 + 500000000), "2024-02-29T23:59:59.5Z");
  EXPECT_EQ(formatCriTimestamp(1709251199LL * 1000000000 + 123456789),
            "2024-02-29T23:59:59.123456789Z");
}

TEST(CriTimestamp, LineLayout) {
  EXPECT_EQ(formatCriLine(123000000, "stderr", 'F', "hello world"),
            "1970-01-01T00:00:00.123Z stderr F hello world\n");
  EXPECT_EQ(formatCriLine(0, "stdout", 'F', ""), "1970-01-01T00:00:00Z stdout F \n");
}

class Collect : public CriLineSink {
 public:
  void writeLine(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

// The writer under test with a clock that ticks 1 ns per line, so each line is identifiable.
struct Fixture {
  explicit Fixture(size_t max = kCriMaxLineBytes)
      : w(
            "stdout", &sink, [this] { return ++t; }, max) {}
  // Content of each line as "<tag>:<content>".
  std::vector<std::string> tagged() const {
    std::vector<std::string> out;
    for (const auto& l : sink.lines) {
      // "<ts> stdout <tag> <content>\n"
      size_t sp1 = l.find(' ');
      size_t sp2 = l.find(' ', sp1 + 1);
      EXPECT_EQ(l.substr(sp1 + 1, sp2 - sp1 - 1), "stdout");
      EXPECT_EQ(l.back(), '\n');
      out.push_back(l.substr(sp2 + 1, 1) + ":" + l.substr(sp2 + 3, l.size() - sp2 - 4));
    }
    return out;
  }
  Collect sink;
  int64_t t = 0;
  CriStreamWriter w;
};

using Lines = std::vector<std::string>;

TEST(CriStreamWriter, CompleteLinesAreFull) {
  Fixture f;
  f.w.write("one\ntwo\n\nthree\n");
  EXPECT_EQ(f.tagged(), (Lines{"F:one", "F:two", "F:", "F:three"}));
  EXPECT_EQ(f.sink.lines[0], "1970-01-01T00:00:00.000000001Z stdout F one\n");
}

TEST(CriStreamWriter, JoinsChunksOfOneLine) {
  Fixture f;
  f.w.write("hel");
  f.w.write("lo wo");
  EXPECT_TRUE(f.sink.lines.empty());
  f.w.write("rld\nnext");
  EXPECT_EQ(f.tagged(), (Lines{"F:hello world"}));
  f.w.write("\n");
  EXPECT_EQ(f.tagged(), (Lines{"F:hello world", "F:next"}));
}

TEST(CriStreamWriter, DropsCarriageReturnBeforeNewline) {
  Fixture f;
  f.w.write("a\r\nb\r");
  f.w.write("\nc\rd\n");
  EXPECT_EQ(f.tagged(), (Lines{"F:a", "F:b", "F:c\rd"}));
}

TEST(CriStreamWriter, TrailingFragmentAtEofIsPartial) {
  Fixture f;
  f.w.write("done\nno newline");
  f.w.finish();
  EXPECT_EQ(f.tagged(), (Lines{"F:done", "P:no newline"}));
  f.w.finish();  // nothing pending: nothing written
  EXPECT_EQ(f.sink.lines.size(), 2u);
}

TEST(CriStreamWriter, LongLinesSplitIntoPartialsAndAFinalFull) {
  Fixture f(4);
  f.w.write("abcd\n");       // exactly the maximum: one F
  f.w.write("abcde\n");      // one more: P + F
  f.w.write("abcdefgh\n");   // twice the maximum: P + F
  f.w.write("abcdefghi\n");  // P P F
  EXPECT_EQ(f.tagged(),
            (Lines{"F:abcd", "P:abcd", "F:e", "P:abcd", "F:efgh", "P:abcd", "P:efgh", "F:i"}));
}

TEST(CriStreamWriter, LongLinesSplitAcrossChunks) {
  Fixture f(4);
  f.w.write("ab");
  f.w.write("cdefghij");  // 10 pending: two P of 4 written now, "ij" kept
  EXPECT_EQ(f.tagged(), (Lines{"P:abcd", "P:efgh"}));
  f.w.write("k\n");
  EXPECT_EQ(f.tagged(), (Lines{"P:abcd", "P:efgh", "F:ijk"}));
}

TEST(CriStreamWriter, CarriageReturnAtChunkLimitWaitsForNewline) {
  Fixture f(4);
  f.w.write("abcd\r");  // "\r" could start "\r\n": not a reason to split
  EXPECT_TRUE(f.sink.lines.empty());
  f.w.write("\n");
  EXPECT_EQ(f.tagged(), (Lines{"F:abcd"}));
}

TEST(CriStreamWriter, LongFragmentAtEof) {
  Fixture f(4);
  f.w.write("abcdefghij");
  f.w.finish();
  EXPECT_EQ(f.tagged(), (Lines{"P:abcd", "P:efgh", "P:ij"}));
}

TEST(CriStreamWriter, DefaultMaximumIs16KiB) {
  Fixture f;
  std::string big(kCriMaxLineBytes + 10, 'x');
  f.w.write(big + "\n");
  ASSERT_EQ(f.tagged().size(), 2u);
  EXPECT_EQ(f.tagged()[0], "P:" + std::string(16384, 'x'));
  EXPECT_EQ(f.tagged()[1], "F:" + std::string(10, 'x'));
}

TEST(CriLogFile, CreatesParentsAppendsAndReopens) {
  testing::TempDir dir;
  std::string path = dir.path() + "/pods/ns_pod_uid/c/0.log";
  CriLogFile log(path);
  ASSERT_TRUE(log.open().isOk());
  log.writeLine("one\n");
  std::string rotated = path + ".1";
  ASSERT_EQ(::rename(path.c_str(), rotated.c_str()), 0);
  log.writeLine("two\n");  // still the renamed file
  ASSERT_TRUE(log.reopen().isOk());
  log.writeLine("three\n");
  EXPECT_EQ(readFile(rotated).valueOr(""), "one\ntwo\n");
  EXPECT_EQ(readFile(path).valueOr(""), "three\n");
  EXPECT_EQ(log.writeErrors(), 0u);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(CriLogFile, EmptyPathDiscards) {
  CriLogFile log("");
  ASSERT_TRUE(log.open().isOk());
  log.writeLine("x\n");
  EXPECT_EQ(log.writeErrors(), 0u);
}

TEST(CriLogFile, UnwritableParentFails) {
  testing::TempDir dir;
  std::string file = dir.write("file", "x");
  CriLogFile log(file + "/sub/0.log");
  Status s = log.open();
  EXPECT_EQ(s.code(), ENOTDIR) << s.message();
}

}  // namespace
}  // namespace orch::shim
