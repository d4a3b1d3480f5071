// make_image_archive: writes a one-layer image as a docker-archive (the `docker save`
// format: manifest.json, repositories, <config sha>.json, <layer id>/{VERSION,json,
// layer.tar}) from files, symlinks and directories named on the command line. The output
// is deterministic (fixed times, numeric root ownership, sorted entries), so the image id
// stays the same from build to build. Used at build time for busybox.tar and pause.tar.
//
//   make_image_archive --output busybox.tar --tag docker.io/library/busybox:latest
//     --file /bin/busybox:bin/busybox:0755 --applets /bin/busybox:bin
//     --file passwd:etc/passwd:0644 --dir tmp:1777 --env PATH=/bin --cmd sh

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/file_util.h"
#include "common/base/process.h"

namespace {

using nlohmann::json;

// 2000-01-01T00:00:00Z: any fixed time keeps the output reproducible.
constexpr time_t kEpoch = 946684800;
constexpr char kCreated[] = "2000-01-01T00:00:00Z";

struct Node {
  mode_t type = AE_IFDIR;
  mode_t perm = 0755;
  std::string content;  // regular files
  std::string target;   // symlinks
};

std::string sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

// A tar written into memory, entries in the order given.
class TarWriter {
 public:
  TarWriter() : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, this, nullptr, &TarWriter::onWrite, nullptr);
  }
  ~TarWriter() { archive_write_free(a_); }

  void add(const std::string& path, const Node& n) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, n.type);
    archive_entry_set_perm(e, n.perm);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_mtime(e, kEpoch, 0);
    if (n.type == AE_IFLNK) archive_entry_set_symlink(e, n.target.c_str());
    if (n.type == AE_IFREG) archive_entry_set_size(e, static_cast<la_int64_t>(n.content.size()));
    check(archive_write_header(a_, e), path);
    if (n.type == AE_IFREG && !n.content.empty()) {
      if (archive_write_data(a_, n.content.data(), n.content.size()) < 0)
        check(ARCHIVE_FATAL, path);
    }
    archive_entry_free(e);
  }
  std::string finish() {
    check(archive_write_close(a_), "close");
    return std::move(out_);
  }

 private:
  static la_ssize_t onWrite(archive*, void* self, const void* buf, size_t n) {
    static_cast<TarWriter*>(self)->out_.append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  }
  void check(int r, const std::string& what) {
    if (r >= ARCHIVE_WARN) return;
    throw std::runtime_error("tar " + what + ": " + archive_error_string(a_));
  }
  archive* a_;
  std::string out_;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? p : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

std::string clean(std::string p) {
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.empty() || p.find("..") != std::string::npos) throw std::runtime_error("bad path " + p);
  return p;
}

mode_t parseMode(const std::string& s, mode_t def) {
  return s.empty() ? def : static_cast<mode_t>(std::stoul(s, nullptr, 8));
}

// Every parent directory of the entries exists as an entry itself.
void addParents(std::map<std::string, Node>& fs) {
  std::vector<std::string> parents;
  for (const auto& [path, n] : fs) {
    for (size_t p = path.find('/'); p != std::string::npos; p = path.find('/', p + 1)) {
      parents.push_back(path.substr(0, p));
    }
  }
  for (const auto& p : parents) fs.try_emplace(p, Node{});
}

std::string goArch() {
  utsname u{};
  uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.rfind("arm", 0) == 0) return "arm";
  return m;
}

int run(int argc, char** argv) {
  CLI::App app{"make_image_archive: a one-layer docker-archive image from files"};
  std::string output, arch = goArch(), workdir;
  std::vector<std::string> tags, files, symlinks, dirs, applets, env, cmd, entrypoint;
  app.add_option("--output", output, "docker-archive to write")->required();
  app.add_option("--tag", tags, "image name (RepoTags), e.g. docker.io/library/busybox:latest");
  app.add_option("--file", files, "SRC:DEST[:MODE] a host file at DEST in the layer");
  app.add_option("--symlink", symlinks, "DEST=TARGET a symlink in the layer");
  app.add_option("--dir", dirs, "DEST[:MODE] a directory in the layer");
  app.add_option("--applets", applets,
                 "BUSYBOX:DIR a symlink DIR/<applet> -> busybox for every applet of "
                 "`BUSYBOX --list`");
  app.add_option("--env", env, "KEY=VALUE in the image config's Env");
  app.add_option("--cmd", cmd, "an element of the image config's Cmd");
  app.add_option("--entrypoint", entrypoint, "an element of the image config's Entrypoint");
  app.add_option("--workdir", workdir, "the image config's WorkingDir");
  app.add_option("--arch", arch, "GOARCH of the image (default: this machine's)");
  CLI11_PARSE(app, argc, argv);

  std::map<std::string, Node> fs;
  for (const auto& f : files) {
    auto parts = split(f, ':');
    if (parts.size() < 2) throw std::runtime_error("--file " + f + ": want SRC:DEST[:MODE]");
    auto content = orch::readFile(parts[0]);
    if (!content.ok()) throw std::runtime_error(content.status().message());
    fs[clean(parts[1])] = Node{.type = AE_IFREG,
                               .perm = parseMode(parts.size() > 2 ? parts[2] : "", 0644),
                               .content = *content,
                               .target = ""};
  }
  for (const auto& d : dirs) {
    auto parts = split(d, ':');
    fs[clean(parts[0])] = Node{.type = AE_IFDIR,
                               .perm = parseMode(parts.size() > 1 ? parts[1] : "", 0755),
                               .content = "",
                               .target = ""};
  }
  for (const auto& s : symlinks) {
    size_t eq = s.find('=');
    if (eq == std::string::npos) throw std::runtime_error("--symlink " + s + ": want DEST=TARGET");
    fs[clean(s.substr(0, eq))] =
        Node{.type = AE_IFLNK, .perm = 0777, .content = "", .target = s.substr(eq + 1)};
  }
  for (const auto& a : applets) {
    auto parts = split(a, ':');
    if (parts.size() != 2) throw std::runtime_error("--applets " + a + ": want BUSYBOX:DIR");
    auto r = orch::runProcess({.argv = {parts[0], "--list"}, .pipe_stdout = true}, "",
                              std::chrono::seconds(30));
    if (!r.ok() || r->exit_code != 0) throw std::runtime_error(parts[0] + " --list failed");
    std::string binary = parts[0].substr(parts[0].rfind('/') + 1);
    for (const auto& name : split(r->out, '\n')) {
      if (name.empty() || name.find('/') != std::string::npos) continue;
      // An entry given explicitly wins over the generated link.
      fs.try_emplace(clean(parts[1] + "/" + name),
                     Node{.type = AE_IFLNK, .perm = 0777, .content = "", .target = binary});
    }
  }
  addParents(fs);

  TarWriter layer;
  for (const auto& [path, n] : fs) layer.add(n.type == AE_IFDIR ? path + "/" : path, n);
  const std::string layer_tar = layer.finish();
  const std::string diff_id = "sha256:" + sha256Hex(layer_tar);

  json cfg = json::object();
  if (!env.empty()) cfg["Env"] = env;
  if (!entrypoint.empty()) cfg["Entrypoint"] = entrypoint;
  if (!cmd.empty()) cfg["Cmd"] = cmd;
  if (!workdir.empty()) cfg["WorkingDir"] = workdir;
  json config = {
      {"architecture", arch},
      {"os", "linux"},
      {"created", kCreated},
      {"config", cfg},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}},
      {"history", {{{"created", kCreated}, {"created_by", "orch make_image_archive"}}}},
  };
  const std::string config_text = config.dump();
  const std::string config_hex = sha256Hex(config_text);
  // The legacy v1 layer id only has to be unique to this layer of this image.
  const std::string layer_id = sha256Hex(diff_id + " " + config_hex);

  json manifest = json::array();
  manifest.push_back({{"Config", config_hex + ".json"},
                      {"RepoTags", tags},
                      {"Layers", {layer_id + "/layer.tar"}}});
  json repositories = json::object();
  for (const auto& t : tags) {
    size_t colon = t.rfind(':');
    if (colon == std::string::npos || t.find('/', colon) != std::string::npos) continue;
    repositories[t.substr(0, colon)][t.substr(colon + 1)] = layer_id;
  }
  json v1 = {{"id", layer_id},
             {"created", kCreated},
             {"os", "linux"},
             {"architecture", arch},
             {"config", cfg}};

  std::map<std::string, Node> outer;
  auto file = [](std::string content) {
    return Node{.type = AE_IFREG, .perm = 0644, .content = std::move(content), .target = ""};
  };
  outer[layer_id + "/"] = Node{};
  outer[layer_id + "/VERSION"] = file("1.0");
  outer[layer_id + "/json"] = file(v1.dump());
  outer[layer_id + "/layer.tar"] = file(layer_tar);
  outer[config_hex + ".json"] = file(config_text);
  outer["manifest.json"] = file(manifest.dump());
  outer["repositories"] = file(repositories.dump());
  TarWriter archive;
  for (const auto& [path, n] : outer) archive.add(path, n);
  orch::Status st = orch::writeFileAtomic(output, archive.finish(), 0644);
  if (!st.isOk()) throw std::runtime_error(st.message());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "make_image_archive: " << e.what() << "\n";
    return 1;
  }
}
