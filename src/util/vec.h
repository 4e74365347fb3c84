/*
 * vec: a typed growable array.
 *
 *	VEC(struct port *) ports = VEC_INIT;
 *	vec_push(&ports, p);
 *	for (size_t i = 0; i < ports.n; i++) use(ports.v[i]);
 *	vec_free(&ports);     (frees the array, not the elements)
 *	vec_free_all(&names, free);   (calls free(names.v[i]) on each, then vec_free)
 *
 * Calls: xalloc.
 */
#ifndef KILN_VEC_H
#define KILN_VEC_H

#include "util/xalloc.h"

#include <stddef.h>

#define VEC(type) struct { type *v; size_t n, cap; }
#define VEC_INIT { NULL, 0, 0 }

#define vec_reserve(vp, want) do {					\
	if ((want) > (vp)->cap) {					\
		size_t vec_cap_ = (vp)->cap ? (vp)->cap : 8;		\
		while (vec_cap_ < (want))				\
			vec_cap_ *= 2;					\
		(vp)->v = xreallocarray((vp)->v, vec_cap_, sizeof(*(vp)->v)); \
		(vp)->cap = vec_cap_;					\
	}								\
} while (0)

#define vec_push(vp, x) do {						\
	vec_reserve((vp), (vp)->n + 1);					\
	(vp)->v[(vp)->n++] = (x);					\
} while (0)

#define vec_free(vp) do {						\
	free((vp)->v);							\
	(vp)->v = NULL;							\
	(vp)->n = (vp)->cap = 0;					\
} while (0)

/* Call freefn on every element (an owned pointer), then vec_free. */
#define vec_free_all(vp, freefn) do {					\
	for (size_t vec_i_ = 0; vec_i_ < (vp)->n; vec_i_++)		\
		freefn((vp)->v[vec_i_]);				\
	vec_free(vp);							\
} while (0)

#endif
