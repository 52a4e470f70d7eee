/* version.h - the one place the extension's version is written. */
#ifndef RS_VERSION_H
#define RS_VERSION_H

#define RS_VERSION    "0.1.0"
#define RS_USER_AGENT "rockset_ext/" RS_VERSION

#endif
