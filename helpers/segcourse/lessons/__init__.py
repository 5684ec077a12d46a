"""Each lesson's exercises, one module per lesson topic: in the notebook,
``from segcourse.lessons import gauss_otsu_labeling as exercises`` then ``exercises.<name>.check(answer)``."""
