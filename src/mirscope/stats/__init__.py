"""Clinical statistics and predictive models: Supplementary Table 1, logistic
and weighted-LASSO models with (nested) LOOCV, and association tests."""
