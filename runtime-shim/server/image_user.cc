#include "runtime-shim/server/image_user.h"

#include <charconv>
#include <sstream>

#include "common/base/file_util.h"

namespace orch::shim {

namespace {

struct DbEntry {
  std::string name;
  uint32_t id = 0;
  uint32_t gid = 0;                  // passwd: primary group
  std::vector<std::string> members;  // group: member user names
};

std::optional<uint32_t> parseId(const std::string& s) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// passwd: name:pw:uid:gid:...; group: name:pw:gid:members.
std::vector<DbEntry> parseDb(const std::optional<std::string>& text, bool group) {
  std::vector<DbEntry> out;
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() < (group ? 3u : 4u) || f[0].empty() || f[0][0] == '#') continue;
    auto id = parseId(f[2]);
    if (!id) continue;
    DbEntry e{.name = f[0], .id = *id};
    if (group) {
      if (f.size() > 3 && !f[3].empty()) e.members = split(f[3], ',');
    } else if (auto gid = parseId(f[3])) {
      e.gid = *gid;
    }
    out.push_back(std::move(e));
  }
  return out;
}

const DbEntry* byName(const std::vector<DbEntry>& db, const std::string& name) {
  for (const auto& e : db)
    if (e.name == name) return &e;
  return nullptr;
}
const DbEntry* byId(const std::vector<DbEntry>& db, uint32_t id) {
  for (const auto& e : db)
    if (e.id == id) return &e;
  return nullptr;
}

}  // namespace

std::optional<std::string> readFromLayers(const std::vector<std::string>& layer_dirs,
                                          const std::string& rel) {
  for (auto it = layer_dirs.rbegin(); it != layer_dirs.rend(); ++it) {
    auto text = readFile(*it + "/" + rel);
    if (text.ok()) return *text;
  }
  return std::nullopt;
}

Result<ResolvedUser> resolveUser(const UserRequest& req,
                                 const std::vector<std::string>& layer_dirs) {
  auto passwd = parseDb(readFromLayers(layer_dirs, "etc/passwd"), false);
  auto groups = parseDb(readFromLayers(layer_dirs, "etc/group"), true);
  ResolvedUser out;

  std::string user_part = req.image_user, group_part;
  if (auto colon = user_part.find(':'); colon != std::string::npos) {
    group_part = user_part.substr(colon + 1);
    user_part = user_part.substr(0, colon);
  }
  if (req.run_as_user || !req.run_as_username.empty()) {
    user_part = req.run_as_user ? std::to_string(*req.run_as_user) : req.run_as_username;
    group_part.clear();
  }

  std::optional<uint32_t> primary_gid;
  if (!user_part.empty()) {
    if (auto id = parseId(user_part)) {
      out.uid = *id;
      if (const auto* e = byId(passwd, *id)) {
        out.username = e->name;
        primary_gid = e->gid;
      }
    } else if (const auto* e = byName(passwd, user_part)) {
      out.uid = e->id;
      out.username = e->name;
      primary_gid = e->gid;
    } else {
      return Status::invalid("user \"" + user_part + "\": no such user in the image's /etc/passwd");
    }
  }
  if (!group_part.empty()) {
    if (auto id = parseId(group_part)) {
      primary_gid = *id;
    } else if (const auto* g = byName(groups, group_part)) {
      primary_gid = g->id;
    } else {
      return Status::invalid("group \"" + group_part +
                             "\": no such group in the image's /etc/group");
    }
  }
  if (req.run_as_group) primary_gid = static_cast<uint32_t>(*req.run_as_group);
  out.gid = primary_gid.value_or(0);

  if (!out.username.empty()) {
    for (const auto& g : groups)
      for (const auto& m : g.members)
        if (m == out.username && g.id != out.gid) out.additional_gids.push_back(g.id);
  }
  for (int64_t g : req.supplemental_groups) out.additional_gids.push_back(static_cast<uint32_t>(g));
  return out;
}

}  // namespace orch::shim
