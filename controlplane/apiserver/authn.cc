#include "controlplane/apiserver/authn.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace orch::apiserver {

Result<std::vector<std::string>> splitCsvRecord(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) return Status::invalid("unterminated quoted field");
      if (i < line.size() && line[i] != ',') {
        return Status::invalid("unexpected character after a quoted field");
      }
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') return Status::invalid("bare \" in an unquoted field");
        field += line[i++];
      }
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

namespace {
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}
}  // namespace

Result<TokenAuthenticator> TokenAuthenticator::parse(const std::string& text,
                                                     const std::string& source) {
  TokenAuthenticator auth;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    std::string where = source + " line " + std::to_string(line_no);
    auto fields = splitCsvRecord(line);
    if (!fields.ok()) return fields.status().withContext(where);
    if (fields->size() < 3) {
      return Status::invalid(where +
                             ": must have at least 3 columns (token, user name, user uid)"
                             ", found " +
                             std::to_string(fields->size()));
    }
    const std::string& token = (*fields)[0];
    if (token.empty()) continue;  // as upstream: skipped, not fatal
    UserInfo user{.name = (*fields)[1], .uid = (*fields)[2], .groups = {}};
    if (user.name.empty()) return Status::invalid(where + ": empty user name");
    if (fields->size() >= 4) {
      std::stringstream groups((*fields)[3]);
      std::string g;
      while (std::getline(groups, g, ',')) {
        g = trim(g);
        if (!g.empty()) user.groups.push_back(g);
      }
    }
    user.groups.push_back(kAuthenticatedGroup);
    auth.users_[token] = std::move(user);
  }
  return auth;
}

Result<TokenAuthenticator> TokenAuthenticator::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::fromErrno("open token file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::optional<UserInfo> TokenAuthenticator::authenticate(const std::string& token) const {
  auto it = users_.find(token);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

namespace {
std::string entryText(X509_NAME_ENTRY* entry) {
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}
}  // namespace

Result<UserInfo> userFromCertificate(X509* cert) {
  if (cert == nullptr) return Status::invalid("no client certificate");
  X509_NAME* subject = X509_get_subject_name(cert);
  if (subject == nullptr) return Status::invalid("client certificate has no subject");
  UserInfo user;
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0) user.name = entryText(X509_NAME_get_entry(subject, idx));
  if (user.name.empty()) return Status::invalid("client certificate subject has no CN");
  for (idx = -1; (idx = X509_NAME_get_index_by_NID(subject, NID_organizationName, idx)) >= 0;) {
    std::string org = entryText(X509_NAME_get_entry(subject, idx));
    if (!org.empty()) user.groups.push_back(org);
  }
  user.groups.push_back(kAuthenticatedGroup);
  return user;
}

Result<UserInfo> userFromCertificatePem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return Status::error(ENOMEM, "BIO_new_mem_buf");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return Status::invalid("parse PEM certificate");
  return userFromCertificate(cert.get());
}

std::optional<std::string> bearerToken(const std::string& authorization) {
  // The scheme is case-insensitive (RFC 7235), as upstream's bearertoken authenticator.
  if (authorization.size() < 7) return std::nullopt;
  std::string scheme = authorization.substr(0, 7);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return std::nullopt;
  std::string token = trim(authorization.substr(7));
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace orch::apiserver
