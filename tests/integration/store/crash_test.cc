// kill -9 of a process in the middle of a SQLite write load: every write it acknowledged is
// in the database when it is opened again.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "common/base/process.h"
#include "controlplane/store/sqlite_store.h"
#include "support/temp_dir.h"

namespace orch::store::testing {
namespace {

struct Ack {
  std::string op, key;
  int64_t revision = 0;
  std::string value;
};

// Reads stdout lines until `want` acks were seen (or EOF).
void readAcks(int fd, std::string& buf, std::vector<Ack>& acks, size_t want) {
  char chunk[65536];
  while (acks.size() < want) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    buf.append(chunk, n);
    size_t pos;
    while ((pos = buf.find('\n')) != std::string::npos) {
      std::istringstream line(buf.substr(0, pos));
      buf.erase(0, pos + 1);
      Ack a;
      line >> a.op >> a.key >> a.revision >> a.value;
      acks.push_back(a);
    }
  }
}

TEST(SqliteCrash, AcknowledgedWritesSurviveKill9) {
  const char* writer = std::getenv("STORE_WRITER");
  ASSERT_NE(writer, nullptr) << "STORE_WRITER must name the store_writer binary";
  orch::testing::TempDir dir;
  std::string db = dir.path() + "/store.db";

  for (int round = 0; round < 3; ++round) {
    auto p =
        Process::spawn({.argv = {writer, db, "16", std::to_string(round)}, .pipe_stdout = true});
    ASSERT_TRUE(p.ok()) << p.status().message();
    std::string buf;
    std::vector<Ack> acks;
    // Let it get well into the load, then kill it without warning.
    readAcks(p->stdoutFd().get(), buf, acks, 3000);
    ASSERT_GE(acks.size(), 3000u) << "store_writer stopped early";
    ASSERT_TRUE(p->signal(SIGKILL).isOk());
    // Lines it printed before dying were acknowledged too: drain to EOF.
    readAcks(p->stdoutFd().get(), buf, acks, SIZE_MAX);
    auto st = p->wait();
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(WIFSIGNALED(*st)) << "store_writer exited on its own";

    auto store =
        SqliteStore::open({.path = db, .compaction_interval = std::chrono::milliseconds(0)});
    ASSERT_TRUE(store.ok()) << store.status().message();
    std::map<std::string, Ack> last_update;
    size_t checked = 0;
    for (const auto& a : acks) {
      if (a.op == "create") {
        auto kv = (*store)->get(a.key);
        ASSERT_TRUE(kv.ok()) << "acknowledged " << a.key << " at " << a.revision
                             << " is missing: " << kv.status().message();
        EXPECT_EQ(kv->value, a.value);
        EXPECT_EQ(kv->mod_revision, a.revision);
        ++checked;
      } else {
        auto& l = last_update[a.key];
        if (a.revision > l.revision) l = a;
      }
    }
    for (const auto& [key, a] : last_update) {
      // The counter may have moved on after its last printed ack, never back.
      auto kv = (*store)->get(key, a.revision);
      ASSERT_TRUE(kv.ok()) << key << ": " << kv.status().message();
      EXPECT_EQ(kv->value, a.value);
      auto latest = (*store)->get(key);
      ASSERT_TRUE(latest.ok());
      EXPECT_GE(latest->mod_revision, a.revision);
    }
    EXPECT_GE(*(*store)->currentRevision(), acks.back().revision);
    EXPECT_GT(checked, 0u);
  }
}

}  // namespace
}  // namespace orch::store::testing
