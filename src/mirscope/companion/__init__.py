"""Analyses of the companion studies (../shared/papers): CAR T kinetics (CART SIE),
random-forest variable importance (ZUMA-5), and the systematic review's evidence score."""
