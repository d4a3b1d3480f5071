// store_writer DB_PATH [THREADS [RUN]]: writes to a SqliteStore as fast as it can until killed and
// prints one line per acknowledged write, flushed at once:
//   create <key> <revision> <value>
//   update <key> <revision> <value>
// The crash test kills it with SIGKILL and checks every printed write survived.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/store/sqlite_store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: store_writer DB_PATH [THREADS [RUN]]\n");
    return 2;
  }
  int threads = argc > 2 ? std::stoi(argv[2]) : 16;
  // Keys are unique per run, so several runs can write into one database.
  std::string run = argc > 3 ? argv[3] : "0";
  auto store = orch::store::SqliteStore::open({.path = argv[1]});
  if (!store.ok()) {
    std::fprintf(stderr, "store_writer: %s\n", store.status().message().c_str());
    return 1;
  }
  std::mutex out_mu;
  auto ack = [&](const char* op, const std::string& key, int64_t rev, const std::string& value) {
    std::lock_guard lock(out_mu);
    std::printf("%s %s %lld %s\n", op, key.c_str(), static_cast<long long>(rev), value.c_str());
    std::fflush(stdout);
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string counter = "/crash/" + run + "/counter/" + std::to_string(t);
      for (long i = 0;; ++i) {
        std::string key = "/crash/" + run + "/keys/" + std::to_string(t) + "/" + std::to_string(i);
        std::string value = "value-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = (*store)->create(key, value);
        if (!r.ok()) {
          std::fprintf(stderr, "store_writer: %s\n", r.status().message().c_str());
          std::_Exit(1);
        }
        ack("create", key, r->mod_revision, value);
        // Every few writes, also overwrite a per-thread counter (updates must survive too).
        if (i % 4 == 0) {
          auto u = i == 0 ? (*store)->create(counter, std::to_string(i))
                          : (*store)->update(counter, std::to_string(i), 0);
          if (!u.ok()) {
            std::fprintf(stderr, "store_writer: %s\n", u.status().message().c_str());
            std::_Exit(1);
          }
          ack("update", counter, u->mod_revision, std::to_string(i));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
