// C++ with macros that open and close blocks, as real libraries have.
#include <string>
#include <vector>

#define NS_BEGIN namespace lib {
#define NS_END }
#define LIB_TRY try
#define LIB_CATCH(x) catch (x)

NS_BEGIN

template <typename T>
class Holder {
public:
	explicit Holder(T v) : value_(std::move(v)) {}

	const T &get() const
	{
		return value_;
	}

private:
	T value_;
};

inline int parse(const std::string &s)
{
	LIB_TRY {
		return std::stoi(s);
	}
	LIB_CATCH(...) {
		return -1;
	}
}

auto sum(const std::vector<int> &v)
{
	int total = 0;
	for (auto x : v) {
		total += x;
	}
	return total;
}

NS_END
