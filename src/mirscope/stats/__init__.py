"""Clinical statistics and predictive models (issue 5): Supplementary Table 1, logistic
and weighted-LASSO models with (nested) LOOCV, and association tests."""
