CARGO_CRATES=	aho-corasick-1.1.4 \
		sha-1-0.8.2 \
		wasi-0.11.1+wasi-snapshot-preview1 \
		notify,notify-types@git+https://github.com/zed-industries/notify.git?rev=bbb9ea\#bbb9ea
