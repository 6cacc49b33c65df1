"""The unseen-review-kind figure: a kind of review is never trained on when it is the one scored."""

from nlp.training.data import Example
from nlp.training.review_domains import pooled, review_domain, unseen_domain_scores


def test_a_review_is_read_as_the_kind_its_words_name_and_an_unclear_one_as_none():
    assert review_domain("酒店房间很干净，前台服务热情") == "hotel"
    assert review_domain("这本书的作者写得太啰嗦了") == "book"
    assert review_domain("笔记本散热不好，键盘也松") == "laptop"
    assert review_domain("送餐太慢了，菜都凉了") is None
    assert review_domain("在酒店房间里读书") is None          # one hotel cue pair against one book cue pair: tie


def test_the_kind_left_out_is_scored_by_a_model_that_never_saw_it():
    # The base rows teach 好 = positive, 差 = negative. Hotel reviews are labelled the other way round: a model
    # that had trained on any hotel review would learn that and score them well; one that never saw them scores 0.
    base = [Example(1, f"今天心情很好{i}号") for i in range(40)] + [Example(0, f"今天真差{i}号") for i in range(40)]
    hotels = [Example(0, f"酒店房间很好{i}") for i in range(30)] + [Example(1, f"酒店房间很差{i}") for i in range(30)]
    books = [Example(1, f"这本书很好{i}") for i in range(30)] + [Example(0, f"这本书很差{i}") for i in range(30)]
    laptops = [Example(1, f"笔记本屏幕很好{i}") for i in range(30)] + [Example(0, f"笔记本屏幕很差{i}") for i in range(30)]
    figures = {f.domain: f for f in unseen_domain_scores(base, hotels + books + laptops)}
    assert figures["hotel"].scores.n == 60 and figures["hotel"].scores.accuracy < 0.2
    # the training rows: the base and the train split of the two other kinds only
    assert figures["hotel"].trained_rows < len(base) + 120
    assert abs(pooled(list(figures.values())).macro_f1
               - sum(f.scores.macro_f1 for f in figures.values()) / 3) < 1e-9
