/*
 * plist: pkg-plist packing lists (spec/pkg-format.md §7.2) read against a
 * stage directory into a manifest's files, directories, config list and
 * scripts.  Does not stat file contents beyond existence (create.c sums
 * them) and does not load keyword files: the keywords below are built in,
 * every other one is refused by name.
 * Calls: util, pkg/manifest.
 *
 *	path			file; relative to the current prefix, or absolute
 *	@cwd [dir] (@setprefix)	current prefix (no argument: the package's)
 *	@mode [m], @owner [u], @group [g]	sticky attributes (no argument: reset)
 *	@KW(owner,group,mode) arg	attributes for one line ("@(root,wheel,0644) f")
 *	@comment ...		ignored
 *	@dir path		directory owned by the package (must be staged)
 *	@config path		file whose local changes survive upgrades
 *	@sample file.sample [target]	file; post-install copies it to target
 *				(default: without ".sample") when target is
 *				absent; pre-deinstall removes an unchanged target
 *	@shell path		file; added to / removed from ${PKG_ROOTDIR}/etc/shells
 *	@info path		file; indexinfo run on its directory
 *	@ldconfig		refresh the run-time linker cache after (de)install
 *	@rmtry path		post-deinstall removes path, ignoring failure
 *	@preexec, @postexec, @preunexec, @postunexec cmd	script lines
 *	@exec cmd (post-install), @unexec cmd (pre-deinstall)	deprecated aliases
 * In commands: %D prefix, %F last file as listed, %f its basename, %B its
 * directory (absolute), %% a percent sign.
 */
#ifndef KILN_PKG_PLIST_H
#define KILN_PKG_PLIST_H

#include "pkg/manifest.h"
#include "util/kerr.h"

/*
 * Read the packing list at path (what = name for messages) against
 * stagedir, adding to m (m->prefix is the initial prefix; "/usr/local" when
 * NULL, and set).  Script snippets are appended to m->scripts.  Errors:
 * "PLIST:LINE: unknown keyword '@foo'", "PLIST:LINE: /usr/local/bin/x: not
 * in the stage directory".  When unlisted is not NULL, every file or
 * symlink of the stage that no line names is appended to it (absolute
 * package paths, sorted).  0 or -1.
 */
int pkg_plist_read(const char *path, const char *stagedir, struct pkg_manifest *m,
    pkg_strv *unlisted, struct kerr *e);
/* The same over text in memory. */
int pkg_plist_parse(const char *text, size_t len, const char *what,
    const char *stagedir, struct pkg_manifest *m, pkg_strv *unlisted,
    struct kerr *e);

#endif
