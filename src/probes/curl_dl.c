/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#define CURL_DL_NO_REDIRECT
#include "curl_dl.h"

struct curl_dl curl_dl;

int curl_dl_load(const char **ret_err)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state)
		goto out;
	state = -1;
	h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		goto out;
#define CURL_DL_SYM(ret, name, args)                                         \
	if (!(*(void **)&curl_dl.name = dlsym(h, #name))) {                  \
		dlclose(h);                                                  \
		goto out;                                                    \
	}
	CURL_DL_FUNCS(CURL_DL_SYM)
#undef CURL_DL_SYM
	state = 1;
out:
	if (state < 0 && ret_err)
		*ret_err = "libcurl (libcurl.so.4, 7.62 or later) cannot be loaded: install libcurl4 "
			   "(Debian) or libcurl (Fedora) for http probes";
	return state > 0 ? 0 : -ENOENT;
}
