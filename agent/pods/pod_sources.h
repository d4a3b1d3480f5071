#pragma once
// The pods this node should run, from two sources: the apiserver (an informer on Pods with
// spec.nodeName=<node>; mirror pods are skipped, they only stand for static pods) and the
// static pod manifests (rescanned on every change of the directory, and every 20 s, as the
// kubelet does). Static pods run without
// an apiserver; when one is there, each gets a mirror pod, created when missing and recreated
// when it stands for an older version of the manifest.
//
// Threads: start() runs the informer and a scan thread; onChange(uid) is called from them
// whenever a pod appeared, changed or went away. get()/all() may be called from any thread.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/api/node.h"
#include "common/api/pod.h"
#include "common/base/dir_watch.h"
#include "common/client/informer.h"
#include "common/client/rest_client.h"

namespace orch::agent {

class PodSources {
 public:
  using OnChange = std::function<void(const std::string& pod_uid)>;
  // `client` may be null (no apiserver: static pods only); `manifest_dir` may be empty.
  PodSources(client::RestClient* client, std::string node_name, std::string manifest_dir,
             OnChange on_change);
  ~PodSources();

  void start();
  void stop();
  // True once the apiserver's pods were listed (always true without an apiserver).
  bool synced() const;

  std::optional<api::Pod> get(const std::string& uid) const;
  std::vector<api::Pod> all() const;

  // One scan of the manifest dir (tests; the scan thread calls it on changes and every 20 s).
  void scanStaticPods();
  // Creates or replaces the mirror pods of the static pods (needs the Node's uid).
  void syncMirrorPods();

 private:
  void upsert(const api::Pod& pod);
  void removeUid(const std::string& uid);
  void scanLoop();

  client::RestClient* client_;
  std::string node_name_;
  std::string manifest_dir_;
  OnChange on_change_;
  std::unique_ptr<client::Informer<api::Pod>> informer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, api::Pod> api_pods_;        // uid → pod from the apiserver
  std::map<std::string, api::Pod> static_pods_;     // uid → pod from a manifest
  std::map<std::string, std::string> last_errors_;  // manifest file → error logged once
  bool stopping_ = false;
  std::optional<DirWatch> manifest_watch_;  // absent: the dir is polled only
  std::thread scan_thread_;
};

}  // namespace orch::agent
