#ifndef SWITCHBOARD_COPENSSL_SHIM_H
#define SWITCHBOARD_COPENSSL_SHIM_H
// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are still
// provided, allocate nothing and keep their state in a plain struct, which is what the webhook
// HMAC needs on the hot path (EVP's one-shot HMAC fetches the algorithm and builds a context per
// call). Declared without the deprecation attribute so Swift does not warn on every use.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#endif
