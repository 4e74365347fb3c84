# A GNU configure tool with options, hooks and an rc.d script.
PORTNAME=	tool
PORTVERSION=	2.4
CATEGORIES=	sysutils net
MASTER_SITES=	https://dl.example.org/tool/ \
		https://mirror.example.org/tool/:extra
DISTFILES=	${DISTNAME}${EXTRACT_SUFX} tool-data-1.tar.gz:extra

MAINTAINER=	dev@example.org
COMMENT=	Tool that uses libfoo
WWW=		https://example.org/tool/

LICENSE=	BSD2CLAUSE

LIB_DEPENDS=	libfoo.so:devel/libfoo
RUN_DEPENDS=	rusty>=0.3:sysutils/rusty

USES=		gmake localbase tar:xz
GNU_CONFIGURE=	yes
CONFIGURE_ARGS=	--with-state=${TOOL_STATEDIR}
USE_RC_SUBR=	toold
SUB_LIST=	TOOL_USER=${TOOL_USER}

TOOL_USER?=	tool
TOOL_STATEDIR?=	/var/db/tool

OPTIONS_DEFINE=	NLS SSL
OPTIONS_DEFAULT=	SSL
OPTIONS_SINGLE=	BACKEND
OPTIONS_SINGLE_BACKEND=	SQLITE PGSQL
OPTIONS_DEFAULT+=	SQLITE
OPTIONS_SUB=	yes
NLS_USES=	gettext
NLS_CONFIGURE_ENABLE=	nls
SSL_CONFIGURE_WITH=	ssl
SSL_VARS=	TOOL_FLAGS+=-DWITH_SSL
PGSQL_CONFIGURE_ON=	--with-pgsql
SQLITE_CONFIGURE_ON=	--with-sqlite

PLIST_FILES=	bin/tool "@sample etc/tool.conf.sample"

.include <bsd.port.options.mk>

.if ${PORT_OPTIONS:MSSL}
CFLAGS+=	-DHAVE_SSL
.endif

.if ${ARCH} == "nonexistent-arch"
BROKEN=	never
.endif

post-patch:
	@${REINPLACE_CMD} -e 's|/usr/local|${PREFIX}|g' ${WRKSRC}/tool.c

post-install:
	${INSTALL_DATA} ${WRKSRC}/tool.conf ${STAGEDIR}${PREFIX}/etc/tool.conf.sample
.for f in README NEWS
	-${INSTALL_DATA} ${WRKSRC}/${f} ${STAGEDIR}${DOCSDIR}
.endfor

post-install-NLS-on:
	@${MKDIR} ${STAGEDIR}${PREFIX}/share/locale

.include <bsd.port.mk>
