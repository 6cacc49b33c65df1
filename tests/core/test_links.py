import pytest

from core.links import safe_link, source_hosts

HOSTS = source_hosts("news", {"start_urls": ["https://www.dzrbs.com/xwzx/index.html"], "link_pattern": "x"})


def test_a_sources_hosts_come_from_its_urls_and_its_platform():
    assert HOSTS == {"www.dzrbs.com"}
    assert "weibo.com" in source_hosts("weibo", {"keywords": ["渠县"]})


@pytest.mark.parametrize("url", ["https://www.dzrbs.com/xwzx/202611/t20261129_1.html",
                                 "http://www.dzrbs.com/a.html"])
def test_the_sources_own_pages_are_links(url):
    assert safe_link(url, HOSTS) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "https://evil.example/",
                                 "https://www.dzrbs.com.evil.example/", "https://user@www.dzrbs.com/",
                                 "https://www.dzrbs.com/a b", "https://www.dzrbs.com/a>b", "https://www.dzrbs.com/a\"b", "ftp://www.dzrbs.com/", "", None,
                                 "https://www.dzrbs.com/" + "a" * 3000])
def test_anything_else_is_text(url):
    assert safe_link(url, HOSTS) is None
