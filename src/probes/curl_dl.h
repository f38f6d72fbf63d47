/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded when the first http probe needs it. Linking libcurl pulls
 * in some thirty shared libraries (TLS, Kerberos, LDAP, ...): about 6 MB of
 * resident memory and 3 ms at every start, also for runs that never speak
 * HTTP. Including this header after <curl/curl.h> turns every curl_* call
 * below into a call through a pointer filled by curl_dl_load().
 */
#ifndef EREBUS_CURL_DL_H
#define EREBUS_CURL_DL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#define CURL_DL_FUNCS(X)                                                                      \
	X(CURLcode, curl_global_init, (long))                                                 \
	X(void, curl_global_cleanup, (void))                                                  \
	X(CURL *, curl_easy_init, (void))                                                     \
	X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...))                              \
	X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))                               \
	X(void, curl_easy_cleanup, (CURL *))                                                  \
	X(const char *, curl_easy_strerror, (CURLcode))                                       \
	X(CURLM *, curl_multi_init, (void))                                                   \
	X(CURLMcode, curl_multi_setopt, (CURLM *, CURLMoption, ...))                          \
	X(CURLMcode, curl_multi_add_handle, (CURLM *, CURL *))                                \
	X(CURLMcode, curl_multi_remove_handle, (CURLM *, CURL *))                             \
	X(CURLMcode, curl_multi_assign, (CURLM *, curl_socket_t, void *))                     \
	X(CURLMcode, curl_multi_cleanup, (CURLM *))                                           \
	X(CURLMsg *, curl_multi_info_read, (CURLM *, int *))                                  \
	X(CURLMcode, curl_multi_socket_action, (CURLM *, curl_socket_t, int, int *))          \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *))        \
	X(void, curl_slist_free_all, (struct curl_slist *))                                   \
	X(CURLU *, curl_url, (void))                                                          \
	X(void, curl_url_cleanup, (CURLU *))                                                  \
	X(CURLUcode, curl_url_set, (CURLU *, CURLUPart, const char *, unsigned int))          \
	X(const char *, curl_url_strerror, (CURLUcode))                                       \
	X(CURLSH *, curl_share_init, (void))                                                  \
	X(CURLSHcode, curl_share_setopt, (CURLSH *, CURLSHoption, ...))                       \
	X(CURLSHcode, curl_share_cleanup, (CURLSH *))

struct curl_dl {
#define CURL_DL_FIELD(ret, name, args) ret(*name) args;
	CURL_DL_FUNCS(CURL_DL_FIELD)
#undef CURL_DL_FIELD
};
extern struct curl_dl curl_dl;

/* Load libcurl once. Returns 0, or -ENOENT with *ret_err (static text)
 * saying what to install. */
int curl_dl_load(const char **ret_err);

#ifndef CURL_DL_NO_REDIRECT
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#undef curl_share_setopt
#define curl_global_init curl_dl.curl_global_init
#define curl_global_cleanup curl_dl.curl_global_cleanup
#define curl_easy_init curl_dl.curl_easy_init
#define curl_easy_setopt curl_dl.curl_easy_setopt
#define curl_easy_getinfo curl_dl.curl_easy_getinfo
#define curl_easy_cleanup curl_dl.curl_easy_cleanup
#define curl_easy_strerror curl_dl.curl_easy_strerror
#define curl_multi_init curl_dl.curl_multi_init
#define curl_multi_setopt curl_dl.curl_multi_setopt
#define curl_multi_add_handle curl_dl.curl_multi_add_handle
#define curl_multi_remove_handle curl_dl.curl_multi_remove_handle
#define curl_multi_assign curl_dl.curl_multi_assign
#define curl_multi_cleanup curl_dl.curl_multi_cleanup
#define curl_multi_info_read curl_dl.curl_multi_info_read
#define curl_multi_socket_action curl_dl.curl_multi_socket_action
#define curl_slist_append curl_dl.curl_slist_append
#define curl_slist_free_all curl_dl.curl_slist_free_all
#define curl_url curl_dl.curl_url
#define curl_url_cleanup curl_dl.curl_url_cleanup
#define curl_url_set curl_dl.curl_url_set
#define curl_url_strerror curl_dl.curl_url_strerror
#define curl_share_init curl_dl.curl_share_init
#define curl_share_setopt curl_dl.curl_share_setopt
#define curl_share_cleanup curl_dl.curl_share_cleanup
#endif

#endif
